// Small HTTP helpers: a cookie jar that keeps what a browser would, and request shortcuts.
export type SetCookie = {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
};

export function parseSetCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const eq = pair!.indexOf("=");
    const attributes: Record<string, string | true> = {};
    for (const attr of attrs) {
      const i = attr.indexOf("=");
      if (i === -1) attributes[attr.toLowerCase()] = true;
      else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
    }
    return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
  });
}

export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const cookie of parseSetCookies(response)) {
      if (cookie.value === "" || cookie.attributes["max-age"] === "0") this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export async function login(
  baseUrl: string,
  credentials: { email: string; password: string },
  jar = new CookieJar(),
  headers: Record<string, string> = {},
): Promise<{ response: Response; jar: CookieJar }> {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(credentials),
    redirect: "manual",
  });
  jar.store(response);
  return { response, jar };
}

export function withCookies(jar: CookieJar, init: RequestInit = {}): RequestInit {
  return {
    redirect: "manual",
    ...init,
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
  };
}

/** Refreshes with the given refresh token only (as an attacker holding just that cookie would). */
export async function refreshWith(baseUrl: string, refreshToken: string): Promise<Response> {
  return fetch(`${baseUrl}/api/auth/refresh`, {
    method: "POST",
    headers: { cookie: `refresh_token=${refreshToken}` },
    redirect: "manual",
  });
}
