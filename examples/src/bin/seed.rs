//! Prints the seed article's whole setup as multi-document YAML, followed by the grpcurl
//! commands that check it (as YAML comments, so the output still applies with kubectl).
//!
//! `cargo run -p istio-grpc-examples --bin seed | kubectl apply -f -`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mesh = istio_grpc_examples::whole_setup()?;
    print!("{}", mesh.to_yaml());
    println!("# Check through the gateway:");
    println!("# {}", mesh.gateway_ip_command());
    for check in mesh.grpcurl_checks() {
        println!("# {check}");
    }
    for unchecked in mesh.unchecked_routes() {
        println!("# {unchecked}");
    }
    Ok(())
}
