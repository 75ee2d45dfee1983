use herald_runtime::Handlers;

#[derive(Handlers)]
struct Billing;

#[derive(Handlers)]
#[handlers()]
struct Shipping;

fn main() {}
