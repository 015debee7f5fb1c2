//! (to be written: tonic greeter example)
