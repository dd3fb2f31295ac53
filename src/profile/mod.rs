//! The shared `config` and `credentials` files.
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>
