/** The order in which to look when a ticket did not turn into a change. */
import { Link } from "react-router";
import { TROUBLESHOOTING_ORDER } from "../advice";

export function TroubleshootingOrder() {
  return (
    <section className="panel" aria-labelledby="troubleshooting-title">
      <h2 id="troubleshooting-title">Troubleshooting order</h2>
      <ol className="troubleshooting">
        {TROUBLESHOOTING_ORDER.map((step) => (
          <li key={step.question}>
            <strong>{step.question}</strong> {step.to ? <Link to={step.to}>{step.where}</Link> : <span className="muted">{step.where}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
