/** Starts every bench invocation with an empty figures table. */
import { reset } from "./results";

export default function globalSetup(): void {
  reset();
}
