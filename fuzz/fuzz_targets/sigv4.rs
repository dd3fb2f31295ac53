#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ec2_lite::fuzzing::sigv4(data));
