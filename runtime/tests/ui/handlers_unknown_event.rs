use herald_runtime::{HandlerError, Handlers, Transaction};

/// Not an event: no `#[derive(Event)]`, no `Consumable` impl.
struct OrderPlaced {
    order_id: String,
}

#[derive(Handlers)]
#[handlers(OrderPlaced => on_order_placed)]
struct Billing;

impl Billing {
    async fn on_order_placed(
        &self,
        event: OrderPlaced,
        _tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let _ = event.order_id;
        Ok(())
    }
}

fn main() {}
