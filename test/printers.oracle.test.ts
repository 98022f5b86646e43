// The real kubectl as the oracle for the JSONPath, custom-columns and
// --sort-by engines: kubectl reads the pod list of the shared test API server
// and prints it with a template; the engines print the same list (fetched with
// `kubectl get -o json`) with the same template; the texts must agree.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasKubectl, kubectl, kubectlHome } from './apiserver/kubectl.ts';
import {
  compileJsonpath,
  executeJsonpath,
  executeJsonpathAsJson,
  jsonpathExecErrorMessage,
  jsonpathParseErrorMessage,
} from '../src/render/jsonpath/index.ts';
import { parseCustomColumns, parseCustomColumnsFile, renderCustomColumns } from '../src/render/custom-columns.ts';
import type { ColumnsResult } from '../src/render/custom-columns.ts';
import { sortItems } from '../src/render/sort-by.ts';

const cluster = inject('cluster');
const skipReason = !hasKubectl ? 'kubectl is not installed' : !cluster ? 'the shared test API server is not running' : '';
if (skipReason) console.warn(`skipping the kubectl printer oracle tests: ${skipReason}`);

/** Templates whose output order follows Go's (random) map order in kubectl: compared as multisets of words. */
const MAP_ORDER = new Set(['{..name}', '{.items[0].metadata.*}', '{.items[0]..name}']);

const TEMPLATES = [
  '{.kind}',
  'kind is {.kind} and {.apiVersion}',
  '{.items[*].metadata.name}',
  '{range .items[*]}{.metadata.namespace}{"\\t"}{.metadata.name}{"\\n"}{end}',
  '{range .items[*]}[{.metadata.name}{range .spec.containers[*]} {.name}={.image}{end}]{"\\n"}{end}',
  '{range .items[?(@.metadata.name=="no-such-pod")]}x{end}after',
  '{range .items[0:2]}{.metadata.name}{"\\n"}',
  '{.items[0].metadata.labels}',
  '{.items[0].spec.containers}',
  '{.items[0].status.conditions[0].lastProbeTime}',
  '{.items[0].spec.terminationGracePeriodSeconds}',
  '{.nope}|{.items[0].metadata.nope.deeper}|',
  '{.items[-1].metadata.name}',
  '{.items[1:4].metadata.name}',
  '{.items[::3].metadata.name}',
  '{.items[-3:].metadata.name}',
  '{.items[0:0].metadata.name}',
  '{.items[0,2].metadata.name}',
  "{.items[0].metadata['name','namespace']}",
  "{.items[0].metadata.labels['app']}",
  '{.items[0].metadata.annotations.kubectl\\.kubernetes\\.io/default-container}',
  '{.items[?(@.metadata.namespace!="default")].metadata.name}',
  '{.items[?(@.metadata.annotations)].metadata.name}',
  '{.items[*].spec.containers[?(@.securityContext.runAsUser>=0)].name}',
  '{.items[?(@.spec.terminationGracePeriodSeconds<31)].metadata.name}',
  '{.items[?(@.metadata.ownerReferences[0].controller==true)].metadata.name}',
  '{..name}',
  '{.items[0]..name}',
  '{.items[0].metadata.*}',
  '{.items[0].metadata.name.*}',
  "{'a\\'b'}{\"\\u00e9\\x41\\101\\n\"}",
  '{1.5}{2}{true}{-3}',
  // The template's own text, controls and all, is printed as written (only the document's values are escaped).
  '{range .items[*]}{.metadata.name}{"\\r\\n"}{end}',
  'A\tB\r\n{.kind}\n\t{"\\t\\r\\n"}{"\\u202e\\x1b[1m\\a\\x7f"}\x1b[0m\n',
  // errors
  '{.items[999]}',
  '{.items[0:3:0]}',
  '{.items[2:1]}',
  '{.items[?(@.metadata.name>1)]}',
  '{items}',
  '{end}',
  '{.items[0',
  '{.kind #}',
  '{.items["x"]}',
  '{"\\q"}',
  '{.kind',
];

const AS_JSON = [
  '{.items[*].metadata.name}',
  '{.items[0].metadata.labels}{.nope}',
  'text {.kind}',
  '{range .items[0:2]}{.metadata.name}{end}',
];

const COLUMNS = [
  'NAME:.metadata.name,NAMESPACE:{.metadata.namespace},CONTAINERS:.spec.containers[*].name,NOPE:.nope',
  'NAME:metadata.name,LABELS:.metadata.labels,OWNERS:metadata.ownerReferences,PROBE:.status.conditions[0].lastProbeTime',
  'N:{.metadata.name},GRACE:.spec.terminationGracePeriodSeconds,APP:.spec.containers[?(@.name=="app")].image',
  ':.metadata.name,EMPTY:',
];

const COLUMN_ERRORS = ['', 'A', 'A:{.a}{.b}', 'A:.items[0'];

const SORT_KEYS = [
  '.metadata.name',
  '{.metadata.uid}',
  'metadata.namespace',
  '.metadata.labels.app',
  '.spec.containers[0].name',
  '.status.containerStatuses[0].restartCount',
];

describe.skipIf(!!skipReason)('printers against the real kubectl', () => {
  let home = '';
  let doc: { items: unknown[] } = { items: [] };
  const run = (...args: string[]) => kubectl(cluster!, home, ['get', 'pods', '-A', ...args]);

  beforeAll(() => {
    home = kubectlHome();
    const r = run('-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    doc = JSON.parse(r.stdout);
    expect(doc.items.length).toBeGreaterThan(3);
  });

  afterAll(() => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  /** What our engines make of a template, as kubectl would print it (errors as kubectl's `error:` line). */
  function ours(template: string, asJson = false): { stdout: string; error: string } {
    const c = compileJsonpath(template);
    if (!c.ok) return { stdout: '', error: `error: ${jsonpathParseErrorMessage(template, c.error)}` };
    const r = (asJson ? executeJsonpathAsJson : executeJsonpath)(c.program, doc, { allowMissingKeys: true });
    return r.ok ? { stdout: r.text, error: '' } : { stdout: '', error: `error: ${jsonpathExecErrorMessage(template, r.error)}` };
  }

  function compare(template: string, asJson: boolean): void {
    const theirs = run('-o', `${asJson ? 'jsonpath-as-json' : 'jsonpath'}=${template}`);
    const mine = ours(template, asJson);
    if (mine.error) {
      expect(theirs.code, `kubectl succeeded: ${theirs.stdout}`).not.toBe(0);
      // kubectl goes on to dump the whole object after the reason; ours stops at the reason.
      expect(theirs.stderr.startsWith(mine.error), `kubectl: ${theirs.stderr.slice(0, 300)}\nours: ${mine.error}`).toBe(true);
      return;
    }
    expect(theirs.code, theirs.stderr).toBe(0);
    if (MAP_ORDER.has(template)) {
      const words = (s: string) => s.split(/\s+/).filter(Boolean).sort();
      expect(words(mine.stdout)).toEqual(words(theirs.stdout));
    } else {
      expect(mine.stdout).toBe(theirs.stdout);
    }
  }

  it.each(TEMPLATES)('-o jsonpath=%s', (template) => compare(template, false));

  it.each(AS_JSON)('-o jsonpath-as-json=%s', (template) => compare(template, true));

  function columnsOutput(p: ColumnsResult, noHeaders: boolean): { stdout: string; error: string } {
    if (!p.ok) return { stdout: '', error: `error: ${p.error}` };
    const r = renderCustomColumns(doc.items, p.columns, { noHeaders });
    return r.ok ? { stdout: r.text, error: '' } : { stdout: '', error: `error: ${r.error}` };
  }

  it.each(COLUMNS)('-o custom-columns=%s', (spec) => {
    for (const noHeaders of [false, true]) {
      const theirs = run('-o', `custom-columns=${spec}`, ...(noHeaders ? ['--no-headers'] : []));
      expect(theirs.code, theirs.stderr).toBe(0);
      expect(columnsOutput(parseCustomColumns(spec), noHeaders).stdout).toBe(theirs.stdout);
    }
  });

  it.each(COLUMN_ERRORS)('-o custom-columns=%s is an error', (spec) => {
    const theirs = run('-o', `custom-columns=${spec}`);
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr.trimEnd()).toBe(columnsOutput(parseCustomColumns(spec), false).error);
  });

  it('-o custom-columns-file', () => {
    const file = path.join(home, 'columns.txt');
    for (const text of ['NAME  NAMESPACE\n.metadata.name   {.metadata.namespace}\n', ' POD\tC \n metadata.name\t.spec.containers[*].name\n']) {
      fs.writeFileSync(file, text);
      const theirs = run('-o', `custom-columns-file=${file}`);
      expect(theirs.code, theirs.stderr).toBe(0);
      expect(columnsOutput(parseCustomColumnsFile(text), false).stdout).toBe(theirs.stdout);
    }
    fs.writeFileSync(file, 'A B\n.a\n');
    const theirs = run('-o', `custom-columns-file=${file}`);
    expect(theirs.stderr.trimEnd()).toBe(columnsOutput(parseCustomColumnsFile('A B\n.a\n'), false).error);
  });

  it.each(SORT_KEYS)('--sort-by=%s', (key) => {
    // Print the key itself: kubectl's sort is not stable, so only the sequence of keys must agree.
    const spec = `KEY:${key.replace(/^\{|\}$/g, '')}`;
    const theirs = run(`--sort-by=${key}`, '-o', `custom-columns=${spec}`, '--no-headers');
    expect(theirs.code, theirs.stderr).toBe(0);
    const sorted = sortItems(doc.items, key);
    if (!sorted.ok) throw new Error(sorted.error);
    const p = parseCustomColumns(spec);
    if (!p.ok) throw new Error(p.error);
    const r = renderCustomColumns(sorted.items, p.columns, { noHeaders: true });
    expect(r.ok && r.text).toBe(theirs.stdout);
  });

  it('--sort-by on a path no item has is an error', () => {
    const theirs = run('--sort-by=.nope', '-o', 'name');
    const r = sortItems(doc.items, '.nope');
    expect(r.ok).toBe(false);
    expect(theirs.stderr.trimEnd()).toBe(`error: ${!r.ok && r.error}`);
  });
});
