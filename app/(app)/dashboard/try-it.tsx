export type TryItAction = "drop" | "call" | "replay";

const CONTROLS: { action: TryItAction; label: string; explanation: string; danger?: boolean }[] = [
  {
    action: "drop",
    label: "Drop my access token",
    explanation: "The server deletes the access cookie now; the next API call gets a 401, refreshes, and retries.",
  },
  {
    action: "call",
    label: "Check session with the API",
    explanation: "GET /api/me through the fetch wrapper, as any page of the app would call its API.",
  },
  {
    action: "replay",
    label: "Replay an old refresh token",
    explanation:
      "The server presents this session's previous refresh token again, as a thief would; theft is detected and this session ends.",
    danger: true,
  },
];

type Props = {
  pending: TryItAction | null;
  onRun: (action: TryItAction) => void;
  message: { ok: boolean; text: string } | null;
};

/** Buttons that make the token mechanism happen on demand. */
export function TryIt({ pending, onRun, message }: Props) {
  return (
    <section aria-labelledby="try-heading" className="card stack-sm">
      <h2 id="try-heading" className="card-title">
        Try it
      </h2>
      <ul className="list">
        {CONTROLS.map((control) => (
          <li key={control.action} className="stack-sm">
            <div>
              <button
                type="button"
                className={`btn ${control.danger ? "btn-danger" : control.action === "call" ? "btn-primary" : ""}`}
                onClick={() => onRun(control.action)}
                aria-disabled={pending !== null}
                aria-describedby={`try-${control.action}-text`}
              >
                {control.label}
              </button>
            </div>
            <p id={`try-${control.action}-text`} className="muted small">
              {control.explanation}
            </p>
          </li>
        ))}
      </ul>
      {message ? (
        <p role={message.ok ? "status" : "alert"} className={`alert ${message.ok ? "alert-success" : "alert-error"}`}>
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
