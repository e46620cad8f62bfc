// The example shop's wrapped mutations, so the harness can seed and change this primary.
export * from "../../convex/shop";
