import { RelativeTime } from "@/components/relative-time";
import type { Generation } from "@/lib/auth/session/timeline";

const HOW: Record<NonNullable<Generation["usedVia"]>, string> = {
  navigation: "navigation refresh",
  in_page_401: "in-page 401",
  proactive: "proactive refresh",
  token_api: "token API",
  reissue: "replaced (password change)",
};

/** This session's refresh-token family, newest first. Labels only: never a token or hash. */
export function RotationHistory({ generations, now }: { generations: Generation[]; now: number }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Refresh-token generations of this session, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Generation</th>
            <th scope="col">Issued</th>
            <th scope="col">Used</th>
            <th scope="col">How</th>
          </tr>
        </thead>
        <tbody>
          {generations.map((generation) => (
            <tr key={generation.label} data-generation={generation.number}>
              <td>
                #{generation.number} <code>{generation.label}</code>
              </td>
              <td>
                <RelativeTime iso={generation.issuedAt} serverNow={now} />
              </td>
              <td>
                {generation.usedAt ? (
                  <RelativeTime iso={generation.usedAt} serverNow={now} />
                ) : (
                  <span className="badge badge-accent">current</span>
                )}
              </td>
              <td>
                <span className="cluster">
                  {generation.usedAt ? <span>{generation.usedVia ? HOW[generation.usedVia] : "unknown"}</span> : "—"}
                  {generation.graceHandedOutAt ? (
                    <span
                      className="badge"
                      title="Presented again within the grace window: its successor was handed out again"
                    >
                      grace hand-out
                    </span>
                  ) : null}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
