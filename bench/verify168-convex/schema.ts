// The example shop's schema (with the change log), for this bench-only primary.
export { default } from "../../convex/schema";
