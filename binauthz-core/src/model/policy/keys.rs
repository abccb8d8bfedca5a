//! The keys of the specific-rule maps, validated the way GCP documents them and normalised for
//! lookup (spec/README.md §2.1).

/// A DNS-1123 label, as Kubernetes requires of a namespace.
pub(crate) fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// A DNS-1123 subdomain, as Kubernetes requires of a service account's name.
pub(crate) fn is_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_label)
}

/// Validates `LOCATION.CLUSTER_ID`.
pub(super) fn cluster(key: &str) -> Result<String, String> {
    let (location, id) = key.split_once('.').ok_or_else(|| {
        format!("cluster rule key `{key}` must be LOCATION.CLUSTER_ID (for example us-east1-a.prod-cluster)")
    })?;
    let location_ok = location
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase())
        && location
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let id_ok = !id.is_empty()
        && id.len() <= 100
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if location_ok && id_ok {
        Ok(key.to_owned())
    } else {
        Err(format!(
            "cluster rule key `{key}` must be LOCATION.CLUSTER_ID with a location like us-east1-a and a cluster id of letters, digits, `-` and `_` (no wildcards)"
        ))
    }
}

/// Whether a cluster rule key's location has a form GCP gives locations: a region
/// (`us-central1`: `[a-z]+-[a-z]+[0-9]+`), a zone (a region, `-` and a letter: `us-central1-a`;
/// Compute Engine, "Regions and zones"), or `global`, the usual location of a Google Distributed
/// Cloud fleet membership (`global.test-membership` in GCP's policy guide). Any other location is
/// valid but matches no cluster (`policy lint`, BZ009).
pub(crate) fn is_gcp_location(location: &str) -> bool {
    if location == "global" {
        return true;
    }
    // A zone is a region followed by `-` and one letter.
    let region = match location.rsplit_once('-') {
        Some((region, zone)) if zone.len() == 1 && zone.bytes().all(|b| b.is_ascii_lowercase()) => {
            region
        }
        _ => location,
    };
    let Some((area, place)) = region.split_once('-') else {
        return false;
    };
    let digits = place.bytes().rev().take_while(u8::is_ascii_digit).count();
    let letters = place.len() - digits;
    !area.is_empty()
        && area.bytes().all(|b| b.is_ascii_lowercase())
        && digits > 0
        && letters > 0
        && place.bytes().take(letters).all(|b| b.is_ascii_lowercase())
}

/// Validates a Kubernetes namespace name.
pub(super) fn namespace(key: &str) -> Result<String, String> {
    if is_label(key) {
        Ok(key.to_owned())
    } else {
        Err(format!(
            "namespace rule key `{key}` is not a Kubernetes namespace name (lower-case letters, digits and `-`, at most 63 characters, no wildcards)"
        ))
    }
}

/// Validates `NAMESPACE:SERVICE_ACCOUNT`.
pub(super) fn service_account(key: &str) -> Result<String, String> {
    match key.split_once(':') {
        Some((ns, sa)) if is_label(ns) && is_subdomain(sa) => Ok(key.to_owned()),
        _ => Err(format!(
            "service account rule key `{key}` must be NAMESPACE:SERVICE_ACCOUNT with Kubernetes names (for example payments:deployer; no wildcards)"
        )),
    }
}

/// Removes the optional `spiffe://` prefix of an Istio identity.
pub(crate) fn normalize_istio(identity: &str) -> &str {
    identity.strip_prefix("spiffe://").unwrap_or(identity)
}

/// Validates `[spiffe://]DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT`; returns it without the prefix.
pub(super) fn istio(key: &str) -> Result<String, String> {
    let rest = normalize_istio(key);
    let parts: Vec<&str> = rest.split('/').collect();
    let ok = matches!(
        parts.as_slice(),
        [domain, "ns", ns, "sa", sa] if is_subdomain(&domain.to_ascii_lowercase()) && is_label(ns) && is_subdomain(sa)
    );
    if ok {
        Ok(rest.to_owned())
    } else {
        Err(format!(
            "Istio identity rule key `{key}` must be [spiffe://]DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT (no wildcards)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_keys() {
        assert!(cluster("us-east1-a.prod-cluster").is_ok());
        assert!(cluster("global.test-membership").is_ok());
        for bad in [
            "prod",
            "us-east1.",
            ".prod",
            "us-east1.prod.x",
            "us-east1.*",
            "*.prod",
            "US.prod",
        ] {
            assert!(cluster(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn gcp_locations_are_regions_zones_or_global() {
        for ok in [
            "us-central1",
            "us-central1-a",
            "europe-west1",
            "europe-west1-b",
            "northamerica-northeast1-c",
            "me-central2",
            "global",
        ] {
            assert!(is_gcp_location(ok), "{ok}");
        }
        for bad in [
            "europewest1",
            "us-central",
            "us-central1-ab",
            "us-central1-1",
            "us",
            "central1",
            "us-1",
            "us-central1a",
            "globa1",
            "",
        ] {
            assert!(!is_gcp_location(bad), "{bad}");
        }
    }

    #[test]
    fn namespace_keys_follow_kubernetes() {
        assert!(namespace("team-1").is_ok());
        for bad in ["", "Team", "a.b", "-a", "a-", "*", "prod*"] {
            assert!(namespace(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn service_account_keys() {
        assert!(service_account("test-ns:default").is_ok());
        assert!(service_account("ns:sa.with.dots").is_ok());
        for bad in ["default", "ns:", ":sa", "ns:*", "ns:a:b"] {
            assert!(service_account(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn istio_keys_with_and_without_scheme() {
        assert_eq!(
            istio("spiffe://example.com/ns/test-ns/sa/default").unwrap(),
            "example.com/ns/test-ns/sa/default"
        );
        assert_eq!(
            istio("p.svc.id.goog/ns/n/sa/s").unwrap(),
            "p.svc.id.goog/ns/n/sa/s"
        );
        for bad in [
            "example.com/ns/x",
            "spiffe://example.com/ns/*/sa/a",
            "x/ns/a/sa/",
        ] {
            assert!(istio(bad).is_err(), "{bad}");
        }
    }
}
