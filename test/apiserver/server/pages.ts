// Which page of a chunked list a request asks for: 1 without a continue
// token, N+1 with a token the server handed out on page N (a 410's token
// resumes the page that failed). Request faults (faults.ts) are armed by
// page number; tokens stay exactly what kube-apiserver writes, so the
// numbering is kept here, by the token's text.

/** Tokens remembered at most; the oldest are forgotten first. */
const MAX_TOKENS = 100_000;

export class ListPages {
  private readonly pages = new Map<string, number>();

  /** The page a request with these query parameters asks for; undefined for a token this server did not issue. */
  pageOf(q: URLSearchParams): number | undefined {
    const token = q.get('continue');
    if (!token) return 1;
    return this.pages.get(token);
  }

  /** Remembers that `token` leads to page `page`. */
  issued(token: string, page: number | undefined): void {
    if (page === undefined) return;
    this.pages.delete(token);
    this.pages.set(token, page);
    if (this.pages.size > MAX_TOKENS) this.pages.delete(this.pages.keys().next().value as string);
  }
}
