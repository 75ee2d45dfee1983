use std::rc::Rc;

use herald_runtime::{Event, HandlerError, Handlers, Transaction};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "order_id")]
struct OrderPlaced {
    order_id: String,
}

#[derive(Handlers)]
#[handlers(OrderPlaced => on_order_placed)]
struct Billing;

impl Billing {
    /// Holds an `Rc` across an await: the consumer runs handlers on a multi-threaded runtime.
    async fn on_order_placed(
        &self,
        event: OrderPlaced,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let id = Rc::new(event.order_id);
        tx.execute("DELETE FROM invoices", &[]).await?;
        drop(id);
        Ok(())
    }
}

fn main() {}
