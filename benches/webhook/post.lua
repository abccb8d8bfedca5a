-- wrk script for benches/webhook-load.sh: POSTs one AdmissionReview (the file $BODY) to
-- /validate, and paces each connection to $RATE requests/s over all connections: wrk 4.1 has no
-- fixed-rate mode (wrk2 has), so every connection waits CONNECTIONS/RATE seconds between
-- requests (RATE 0: no wait, as fast as it answers). The achieved rate is reported with the
-- latencies. Every response must be an AdmissionReview that allows: any other is counted as bad.
local body_file = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"

local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")
local pause = 0
if rate > 0 then pause = connections * 1000 / rate end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function delay()
  return pause
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"allowed":true', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"bad":%d,"errors":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration / 1e6, bad_total,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
