module binauthz.invalid/benches/go

go 1.19
