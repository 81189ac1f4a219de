export function spkiHash(certFile: string): string;
export function makeDevCertificate(dir?: string): { certFile: string; keyFile: string; spki: string };
