"use client";

import { useRouter } from "next/navigation";
import { toDataURL } from "qrcode";
import { useId, useState, type FormEvent } from "react";
import { FormError, FormResult } from "@/components/form-error";
import { stepUpFetch } from "@/lib/client/step-up";
import { EndOtherSessionsOffer } from "./end-other-sessions-offer";
import styles from "./totp-section.module.css";

type Step =
  | { step: "idle" }
  /** A pending authenticator: its secret is shown now and never again. */
  | { step: "enrolling"; secret: string; qrCode: string | null }
  | { step: "codes"; codes: string[]; enabled: boolean };

type Message = { ok: boolean; text: string };

async function messageOf(response: Response, fallback: string): Promise<string> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  return body?.message ?? fallback;
}

// Apps read the key in groups of four as readily as in one run; people copy it better so.
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

const post = (url: string, body?: unknown, method = "POST") =>
  stepUpFetch(url, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);

const UNREACHABLE = "The server could not be reached. Try again.";

/**
 * Two-step sign-in with an authenticator app (TOTP, issue 23): set it up (QR code or the
 * key typed in, then one code to prove the app has it), see the recovery codes once,
 * make new ones, or turn it off. Each of these needs a recent sign-in (step-up).
 */
export function TotpSection({ enabled, recoveryCodesLeft }: { enabled: boolean; recoveryCodesLeft: number }) {
  const router = useRouter();
  const [state, setState] = useState<Step>({ step: "idle" });
  const [message, setMessage] = useState<Message>();
  const [pending, setPending] = useState(false);
  // ASVS 5.0 7.4.3: after a factor changed, offer to end the other sessions.
  const [changed, setChanged] = useState<string>();

  async function run(action: () => Promise<void>) {
    setPending(true);
    setMessage(undefined);
    await action();
    setPending(false);
  }

  const onStart = () =>
    run(async () => {
      const response = await post("/api/account/totp");
      if (!response) return setMessage({ ok: false, text: UNREACHABLE });
      if (!response.ok) {
        return setMessage({ ok: false, text: await messageOf(response, "The app could not be set up.") });
      }
      const { secret, otpauthUri } = (await response.json()) as { secret: string; otpauthUri: string };
      // Drawn here, from the URI the server gave: the picture needs no request of its own.
      const qrCode = await toDataURL(otpauthUri, { margin: 2, width: 200 }).catch(() => null);
      setState({ step: "enrolling", secret, qrCode });
    });

  const onConfirm = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get("code") ?? "").replace(/\s/g, "");
    return run(async () => {
      const response = await post("/api/account/totp/confirm", { code });
      if (!response) return setMessage({ ok: false, text: UNREACHABLE });
      if (!response.ok) return setMessage({ ok: false, text: await messageOf(response, "That code did not work.") });
      const { recoveryCodes } = (await response.json()) as { recoveryCodes: string[] };
      setState({ step: "codes", codes: recoveryCodes, enabled: true });
      setChanged("You turned on two-step sign-in.");
      router.refresh();
    });
  };

  const onRegenerate = () =>
    run(async () => {
      const response = await post("/api/account/recovery-codes");
      if (!response) return setMessage({ ok: false, text: UNREACHABLE });
      if (!response.ok) {
        return setMessage({ ok: false, text: await messageOf(response, "No new recovery codes were made.") });
      }
      const { recoveryCodes } = (await response.json()) as { recoveryCodes: string[] };
      setState({ step: "codes", codes: recoveryCodes, enabled: false });
      router.refresh();
    });

  const onRemove = () =>
    run(async () => {
      const response = await post("/api/account/totp", undefined, "DELETE");
      if (!response) return setMessage({ ok: false, text: UNREACHABLE });
      if (!response.ok) {
        return setMessage({ ok: false, text: await messageOf(response, "Two-step sign-in is still on.") });
      }
      setState({ step: "idle" });
      setMessage({ ok: true, text: "Two-step sign-in is off. Your recovery codes no longer work." });
      setChanged("You turned off two-step sign-in.");
      router.refresh();
    });

  return (
    <section aria-labelledby="totp-heading" className="card stack">
      <h2 id="totp-heading" className="card-title">
        Authenticator app
      </h2>
      <p className="muted">
        With two-step sign-in, your password alone is not enough: we also ask for a six-digit code from an authenticator
        app on your phone.
      </p>
      {state.step === "enrolling" ? (
        <Enrolment secret={state.secret} qrCode={state.qrCode} pending={pending} onConfirm={onConfirm} />
      ) : state.step === "codes" ? (
        <RecoveryCodes
          codes={state.codes}
          enabled={state.enabled}
          onDone={() => {
            setState({ step: "idle" });
            setMessage(undefined);
          }}
        />
      ) : (
        <dl className="facts">
          <dt>Status</dt>
          <dd>{enabled ? <span className="badge badge-success">On</span> : "Off"}</dd>
          {enabled ? (
            <>
              <dt>Recovery codes left</dt>
              <dd>{recoveryCodesLeft}</dd>
            </>
          ) : null}
        </dl>
      )}
      <FormResult result={message} />
      {state.step === "idle" ? (
        <p className="cluster">
          {enabled ? (
            <>
              <button type="button" className="btn" onClick={() => void onRegenerate()} disabled={pending}>
                Regenerate recovery codes
              </button>
              <button type="button" className="btn btn-danger" onClick={() => void onRemove()} disabled={pending}>
                Remove
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-primary" onClick={() => void onStart()} disabled={pending}>
              {pending ? "Starting…" : "Set up an authenticator app"}
            </button>
          )}
        </p>
      ) : state.step === "enrolling" ? (
        <p>
          <button type="button" className="btn" onClick={() => setState({ step: "idle" })} disabled={pending}>
            Cancel set-up
          </button>
        </p>
      ) : null}
      {changed ? <EndOtherSessionsOffer key={changed} reason={changed} /> : null}
    </section>
  );
}

function Enrolment({
  secret,
  qrCode,
  pending,
  onConfirm,
}: {
  secret: string;
  qrCode: string | null;
  pending: boolean;
  onConfirm: (event: FormEvent<HTMLFormElement>) => void;
}) {
  return (
    <div className="stack">
      <p>1. Scan this QR code with your authenticator app, or type the setup key into it.</p>
      {qrCode ? (
        // A data: URL drawn in the page (the CSP allows data: images); next/image has nothing to optimise.
        // eslint-disable-next-line @next/next/no-img-element
        <img
          className={styles.qr}
          src={qrCode}
          width={200}
          height={200}
          alt="QR code with the setup key for your authenticator app"
        />
      ) : null}
      <dl className="facts">
        <dt>Setup key</dt>
        <dd>
          <code>{grouped(secret)}</code>
        </dd>
      </dl>
      <form className="stack" onSubmit={onConfirm}>
        <label className="field">
          2. Enter the six-digit code the app shows
          <input
            className="input"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="\s*(\d\s*){6}"
            title="Six digits"
            required
            maxLength={12}
          />
        </label>
        <p>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Checking…" : "Turn on two-step sign-in"}
          </button>
        </p>
      </form>
    </div>
  );
}

function RecoveryCodes({ codes, enabled, onDone }: { codes: string[]; enabled: boolean; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean>();
  const headingId = useId();

  async function onCopy() {
    const done = await navigator.clipboard.writeText(codes.join("\n")).then(
      () => true,
      () => false,
    );
    setCopied(done);
  }

  return (
    <div className="stack" role="region" aria-labelledby={headingId}>
      {enabled ? (
        <p role="status" className="alert alert-success">
          Two-step sign-in is on.
        </p>
      ) : null}
      <h3 id={headingId}>Your recovery codes</h3>
      <p className="alert alert-warning">
        <strong>Save these now: they are shown only once.</strong> Each one signs you in once when you do not have your
        phone. Keep them somewhere safe, such as a password manager or on paper.
        {enabled ? null : " Your old recovery codes no longer work."}
      </p>
      <ol className={styles.codes} aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p className="cluster">
        <button type="button" className="btn" onClick={() => void onCopy()}>
          Copy the codes
        </button>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          I have saved them
        </button>
      </p>
      {copied === undefined ? null : copied ? (
        <p role="status">Copied to the clipboard.</p>
      ) : (
        <FormError message="This browser did not let the page copy: select the codes and copy them yourself." />
      )}
    </div>
  );
}
