module example.invalid/binauthz/binauthz-ffi/go

go 1.19
