pub mod order_plan;
