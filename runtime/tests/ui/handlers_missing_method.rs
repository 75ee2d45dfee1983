use herald_runtime::{Event, HandlerError, Handlers, Transaction};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "order_id")]
struct OrderPlaced {
    order_id: String,
}

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "payment_id")]
struct PaymentCompleted {
    payment_id: String,
}

#[derive(Handlers)]
#[handlers(OrderPlaced => on_order_placed, PaymentCompleted => on_payment_completed)]
struct Billing;

impl Billing {
    async fn on_order_placed(
        &self,
        _: OrderPlaced,
        _: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn main() {}
