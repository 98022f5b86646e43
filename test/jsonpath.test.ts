// kubectl's JSONPath templates, judged by kubectl's own documentation and by
// the cases of client-go's util/jsonpath tests (re-typed here as data). Where
// the documentation page still shows the output of an older kubectl
// (`map[cpu:4]`, `[a b]`), the expectation is what kubectl prints today,
// checked against kubectl 1.33 (see printers.oracle.test.ts).

import { describe, expect, it } from 'vitest';
import {
  compileJsonpath,
  executeJsonpath,
  executeJsonpathAsJson,
  findJsonpathResults,
  goFloatV,
  goJson,
  goQuote,
  jsonpathExecErrorMessage,
  jsonpathParseErrorMessage,
  relaxedJsonpathExpression,
  unquoteExtend,
} from '../src/render/jsonpath/index.ts';
import type { DocumentRenderer, Renderer, RenderSpec } from '../src/render/renderer.ts';
import { customColumnsRenderer, jsonpathRenderer } from '../src/render/templated.ts';

function jp(template: string, data: unknown, allowMissingKeys = true): string {
  const c = compileJsonpath(template);
  if (!c.ok) throw new Error(`parse: ${c.error}`);
  const r = executeJsonpath(c.program, data, { allowMissingKeys });
  if (!r.ok) throw new Error(`exec: ${r.error}`);
  return r.text;
}

function jpAsJson(template: string, data: unknown): string {
  const c = compileJsonpath(template);
  if (!c.ok) throw new Error(`parse: ${c.error}`);
  const r = executeJsonpathAsJson(c.program, data, { allowMissingKeys: true });
  if (!r.ok) throw new Error(`exec: ${r.error}`);
  return r.text;
}

function execError(template: string, data: unknown, allowMissingKeys = true): string {
  const c = compileJsonpath(template);
  if (!c.ok) throw new Error(`parse: ${c.error}`);
  const r = executeJsonpath(c.program, data, { allowMissingKeys });
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.text)}`);
  return r.error;
}

function parseError(template: string): string {
  const c = compileJsonpath(template);
  if (c.ok) throw new Error('expected a parse error');
  return c.error;
}

const sortedWords = (s: string): string[] => s.split(/\s+/).filter(Boolean).sort();

// The input of https://kubernetes.io/docs/reference/kubectl/jsonpath/
const DOCS = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe('the examples of the kubectl JSONPath documentation', () => {
  it('prints text outside braces as is', () => {
    expect(jp('kind is {.kind}', DOCS)).toBe('kind is List');
  });

  it('{@} is the current object, printed as JSON', () => {
    expect(JSON.parse(jp('{@}', DOCS))).toEqual(DOCS);
  });

  it('child operator, with `.` or `[...]`, and `$` optional', () => {
    expect(jp('{.kind}', DOCS)).toBe('List');
    expect(jp("{['kind']}", DOCS)).toBe('List');
    expect(jp('{$.kind}', DOCS)).toBe('List');
    expect(jp('{.items[0].metadata.labels.kubernetes\\.io/hostname}', DOCS)).toBe('127.0.0.1');
  });

  it('recursive descent', () => {
    // Map order is Go's random order in kubectl; compare as a multiset.
    expect(sortedWords(jp('{..name}', DOCS))).toEqual(sortedWords('127.0.0.1 127.0.0.2 myself e2e'));
  });

  it('wildcard: several results of one expression are space-separated', () => {
    expect(jp('{.items[*].metadata.name}', DOCS)).toBe('127.0.0.1 127.0.0.2');
  });

  it('subscript', () => {
    expect(jp('{.users[0].name}', DOCS)).toBe('myself');
  });

  it('union; maps print as JSON', () => {
    expect(jp("{.items[*]['metadata.name', 'status.capacity']}", DOCS)).toBe(
      '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
    );
  });

  it('filter', () => {
    expect(jp('{.users[?(@.name=="e2e")].user.password}', DOCS)).toBe('secret');
  });

  it('range, end', () => {
    expect(jp('{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', DOCS)).toBe(
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    );
  });

  it('quoted interpreted strings', () => {
    expect(jp('{range .items[*]}{.metadata.name}{"\\t"}{end}', DOCS)).toBe('127.0.0.1\t127.0.0.2\t');
  });

  it('negative indexes step backwards without wrapping around', () => {
    expect(jp('{.items[-1].metadata.name}', DOCS)).toBe('127.0.0.2');
    expect(execError('{.items[-3].metadata.name}', DOCS)).toBe('array index out of bounds: index -1, length 2');
  });
});

// client-go util/jsonpath/jsonpath_test.go, TestKubernetes (allowMissingKeys false)
const NODES = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, ready: true, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
      status: {
        capacity: { cpu: '8' },
        ready: false,
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

describe("client-go's jsonpath tests", () => {
  it.each([
    ['{range .items[*]}{.metadata.name}, {end}{.kind}', '127.0.0.1, 127.0.0.2, List'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{end}', '127.0.0.1\t127.0.0.2\t'],
    ['{.items[*].status.addresses[*].address}', '127.0.0.1 127.0.0.2 127.0.0.3'],
    ['{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}', '127.0.0.1, 127.0.0.2, 127.0.0.3, '],
    ['{.items[*].metadata.name}', '127.0.0.1 127.0.0.2'],
    ["{.items[*]['metadata.name', 'status.capacity']}", '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'],
    ['{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}', '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '],
    ['{.users[?(@.name=="e2e")].user.password}', 'secret'],
    ['{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'],
    ['{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', 'None'],
    ['{.items[?(@..ready==true)].metadata.name}', '127.0.0.1'],
  ])('TestKubernetes: %s', (template, expected) => {
    expect(jp(template, NODES, false)).toBe(expected);
  });

  it('TestJSONInput: exists filter, bracket key, a null value prints null', () => {
    const points = [
      { id: 'i1', x: 4, y: -5 },
      { id: 'i2', x: -2, y: -5, z: 1 },
      { id: 'i3', x: 8, y: 3 },
      { id: 'i4', x: -6, y: -1 },
      { id: 'i5', x: 0, y: 2, z: 1 },
      { id: 'i6', x: 1, y: 4 },
      { id: 'i7', x: null, y: 4 },
    ];
    expect(jp('{[?(@.z)].id}', points, false)).toBe('i2 i5');
    expect(jp("{[0]['id']}", points, false)).toBe('i1');
    expect(jp("{[-1]['x']}", points, false)).toBe('null');
  });

  it('TestTypesInput: slices of scalars, maps, mixed values', () => {
    const types = {
      bools: [true, false, true, false],
      integers: [1, 2, 3, 4],
      floats: [1.0, 2.2, 3.3, 4.0],
      strings: ['one', 'two', 'three', 'four'],
      interfaces: [true, 'one', 1, 1.1],
      maps: [
        { name: 'one', value: 1 },
        { name: 'two', value: 2.02 },
        { name: 'three', value: 3.03 },
        { name: 'four', value: 4.04 },
      ],
    };
    const cases: [string, string][] = [
      ['{ .bools }', '[true,false,true,false]'],
      ['{ .bools[-1] }', 'false'],
      ['{ .bools[:4:2] }', 'true true'],
      ['{ .integers[-2] }', '3'],
      ['{ .integers[:4:2] }', '1 3'],
      ['{ .floats }', '[1,2.2,3.3,4]'],
      ['{ .floats[0:2] }', '1 2.2'],
      ['{ .strings }', '["one","two","three","four"]'],
      ['{ .strings[:4:2] }', 'one three'],
      ['{ .interfaces }', '[true,"one",1,1.1]'],
      ['{ .interfaces[:4:2] }', 'true 1'],
      ['{ .maps[-2] }', '{"name":"three","value":3.03}'],
      ['{ .maps[1::2] }', '{"name":"two","value":2.02} {"name":"four","value":4.04}'],
    ];
    for (const [template, expected] of cases) expect(jp(template, types, false), template).toBe(expected);
  });

  it('TestEmptyRange: nothing to range over prints nothing', () => {
    expect(jp('{range .items[*]}{.metadata.name}{end}', { items: [] })).toBe('');
    expect(
      jp('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', { items: [] }),
    ).toBe('');
  });

  const PODS = {
    items: [
      {
        metadata: { name: 'pod1' },
        spec: {
          containers: [
            { name: 'foo', another: [{ name: 'value1' }, { name: 'value2' }] },
            { name: 'bar', another: [{ name: 'value1' }, { name: 'value2' }] },
          ],
        },
      },
      { metadata: { name: 'pod2' }, spec: { containers: [{ name: 'baz', another: [{ name: 'value1' }, { name: 'value2' }] }] } },
    ],
  };

  it('TestNestedRanges', () => {
    expect(jp('{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}', PODS, false)).toBe(
      'pod1:foo,bar,+pod2:baz,+',
    );
    expect(
      jp(
        '{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}',
        PODS,
        false,
      ),
    ).toBe('pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#');
    expect(
      jp(
        '{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}',
        PODS,
        false,
      ),
    ).toBe('pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n');
  });

  it('TestFilterPartialMatchesSometimesMissingAnnotations: fine with missing keys allowed, an error without', () => {
    const data = {
      kind: 'List',
      items: [
        { kind: 'Pod', metadata: { name: 'pod1', annotations: { color: 'blue' } } },
        { kind: 'Pod', metadata: { name: 'pod2' } },
        { kind: 'Pod', metadata: { name: 'pod3', annotations: { color: 'green' } } },
        { kind: 'Pod', metadata: { name: 'pod4', annotations: { color: 'blue' } } },
      ],
    };
    const t = '{.items[?(@.metadata.annotations.color=="blue")].metadata.name}';
    expect(jp(t, data, true)).toBe('pod1 pod4');
    expect(execError(t, data, false)).toBe('annotations is not found');
  });

  it('TestNegativeIndex', () => {
    const pod = { spec: { containers: [0, 1, 2, 3].map((i) => ({ image: 'radial/busyboxplus:curl', name: `fake${i}` })) } };
    const ok: [string, string][] = [
      ['{.spec.containers[0].name}', 'fake0'],
      ['{.spec.containers[0:0].name}', ''],
      ['{.spec.containers[0:-1].name}', 'fake0 fake1 fake2'],
      ['{.spec.containers[-1].name}', 'fake3'],
      ['{.spec.containers[-1:].name}', 'fake3'],
      ['{.spec.containers[-2].name}', 'fake2'],
      ['{.spec.containers[-2:].name}', 'fake2 fake3'],
      ['{.spec.containers[-3].name}', 'fake1'],
      ['{.spec.containers[-4].name}', 'fake0'],
      ['{.spec.containers[-4:].name}', 'fake0 fake1 fake2 fake3'],
      ['{.spec.containers[5:5].name}', ''],
      ['{.spec.containers[-5:-5].name}', ''],
    ];
    for (const [template, expected] of ok) expect(jp(template, pod, false), template).toBe(expected);
    expect(execError('{.spec.containers[-1:0].name}', pod)).toBe('starting index 3 is greater than ending index 0');
    expect(execError('{.spec.containers[-5].name}', pod)).toBe('array index out of bounds: index -1, length 4');
    expect(execError('{.spec.containers[3:1].name}', pod)).toBe('starting index 3 is greater than ending index 1');
    expect(execError('{.spec.containers[-1:-2].name}', pod)).toBe('starting index 3 is greater than ending index 2');
  });

  it('TestStep', () => {
    const pod = { spec: { containers: [0, 1, 2, 3, 4, 5].map((i) => ({ name: `fake${i}` })) } };
    const ok: [string, string][] = [
      ['{.spec.containers[0:].name}', 'fake0 fake1 fake2 fake3 fake4 fake5'],
      ['{.spec.containers[0:6:].name}', 'fake0 fake1 fake2 fake3 fake4 fake5'],
      ['{.spec.containers[1:4:2].name}', 'fake1 fake3'],
      ['{.spec.containers[1:4:4].name}', 'fake1'],
      ['{.spec.containers[0:6:3].name}', 'fake0 fake3'],
      ['{.spec.containers[0:6:5].name}', 'fake0 fake5'],
    ];
    for (const [template, expected] of ok) expect(jp(template, pod, false), template).toBe(expected);
    expect(execError('{.spec.containers[0:6:0].name}', pod)).toBe('step must be > 0');
    expect(execError('{.spec.containers[0:6:-1].name}', pod)).toBe('step must be > 0');
  });

  it('TestRunningPodsJSONPathOutput: a filter over items some of which lack the key', () => {
    const data = {
      kind: 'List',
      items: [
        ...[1, 2, 3].map((i) => ({ kind: 'Pod', metadata: { name: `pod${i}` }, status: { phase: 'Running' } })),
        { resourceVersion: '' },
      ],
    };
    expect(jp('{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\\n"}{end}', data)).toBe(
      'pod1 is Running\npod2 is Running\npod3 is Running\n',
    );
  });

  it('parser_test.go: syntax errors and their messages', () => {
    expect(parseError('{.hello')).toBe('unclosed action');
    expect(parseError('{*}')).toBe("unrecognized character in action: U+002A '*'");
    expect(parseError('{+12.3.0}')).toBe('cannot parse number +12.3.0');
    expect(parseError('{[1}')).toBe('unterminated array');
    expect(parseError('{[?(.price]}')).toBe('unterminated filter');
    expect(parseError('{........}')).toBe('invalid multiple recursive descent');
  });
});

describe('kubectl behaviours checked against kubectl 1.33', () => {
  const doc = { kind: 'ProcStatusList', items: [{ pod: 'web', pid: 1, caps: { effective: { mask: '00000000a80425fb' } } }] };

  it('a missing key prints nothing when allowed, and is an error otherwise', () => {
    expect(jp('{.nope}|{.items[0].nope.deeper}|', doc)).toBe('||');
    expect(execError('{.nope}', doc, false)).toBe('nope is not found');
  });

  it('an index out of range is an error even when missing keys are allowed', () => {
    expect(execError('{.items[1]}', doc)).toBe('array index out of bounds: index 1, length 1');
    expect(jsonpathExecErrorMessage('{.items[1]}', 'array index out of bounds: index 1, length 1')).toBe(
      'error executing jsonpath "{.items[1]}": Error executing template: array index out of bounds: index 1, length 1',
    );
  });

  it('parse errors read as kubectl prints them', () => {
    expect(jsonpathParseErrorMessage('{.items[0', parseError('{.items[0'))).toBe(
      'error parsing jsonpath {.items[0, unterminated array',
    );
    expect(parseError('{.kind #}')).toBe("unrecognized character in action: U+0023 '#'");
    expect(parseError('{.a["b"]}')).toBe('invalid array index "b"');
    expect(parseError('{"\\q"}')).toBe('unquote string "\\q" error invalid syntax');
    expect(parseError('{.a}{')).toBe('unclosed action');
  });

  it("['a.b'] is sugar for .a.b, so a key with dots needs backslashes", () => {
    const d = { a: { 'b.c': 1, b: { c: 2 } } };
    expect(jp("{.a['b.c']}", d)).toBe('2');
    expect(jp('{.a.b\\.c}', d)).toBe('1');
  });

  it('unknown identifiers and stray ends are evaluation errors', () => {
    expect(execError('{items}', doc)).toBe('unrecognized identifier items');
    expect(execError('{end}', doc)).toBe('not in range, nothing to end');
    expect(execError('{range .items[*]}x{end}{end}', doc)).toBe('not in range, nothing to end');
  });

  it('text after a range over nothing is still printed', () => {
    expect(jp('{range .items[?(@.pod=="none")]}x{end}after', doc)).toBe('after');
  });

  it('filters compare same-kind scalars only', () => {
    expect(jp('{.items[?(@.pid>=1)].pod}', doc)).toBe('web');
    expect(execError('{.items[?(@.pid==1.0)].pod}', doc)).toBe('incompatible types for comparison');
    expect(execError('{.items[?(@.pod>1)].pod}', doc)).toBe('incompatible types for comparison');
    expect(execError('{.items[?(@.caps==1)].pod}', doc)).toBe('invalid type for comparison');
  });

  it('a string under * yields its bytes, as numbers', () => {
    expect(jp('{.items[0].pod.*}', doc)).toBe('119 101 98');
  });

  it('literals: numbers, booleans, single- and double-quoted strings with Go escapes', () => {
    expect(jp('{1.5}{2}{true}{-3}', doc)).toBe('1.52true-3');
    expect(jp('{\'a\\\'b\'}{"\\u00e9\\x41\\101"}', doc)).toBe("a'béAA");
  });

  it('-o jsonpath-as-json: each result set as an indented JSON array', () => {
    expect(jpAsJson('{.items[0].caps}{.items[*].pod}{.nope}', doc)).toBe(
      '[\n    {\n        "effective": {\n            "mask": "00000000a80425fb"\n        }\n    }\n]\n[\n    "web"\n]\n[]\n',
    );
  });
});

describe('Go formatting', () => {
  it('floats as fmt %v: shortest digits, exponent from 1e+06 and below 1e-04', () => {
    expect(goFloatV(1.5)).toBe('1.5');
    expect(goFloatV(123456.5)).toBe('123456.5');
    expect(goFloatV(1234567.5)).toBe('1.2345675e+06');
    expect(goFloatV(0.0001)).toBe('0.0001');
    expect(goFloatV(0.00001)).toBe('1e-05');
    expect(goFloatV(-2.5e-10)).toBe('-2.5e-10');
    expect(goFloatV(1e21)).toBe('1e+21');
  });

  it('integers print without exponent', () => {
    expect(jp('{.n}', { n: 1e15 })).toBe('1000000000000000');
    expect(jp('{.n}', { n: 0.5 })).toBe('0.5');
  });

  it("JSON as Go's encoding/json: sorted keys, HTML-safe, \\b \\f, \\u00XX for other controls", () => {
    expect(goJson({ b: 1, a: '<&>', c: '\b\f\n\x01\u2028' })).toBe('{"a":"\\u003c\\u0026\\u003e","b":1,"c":"\\b\\f\\n\\u0001\\u2028"}');
    expect(goJson({ a: [1, {}], b: [] }, '  ')).toBe('{\n  "a": [\n    1,\n    {}\n  ],\n  "b": []\n}');
  });

  it('Go unquoting and quoting', () => {
    expect(unquoteExtend('"a\\tb"')).toBe('a\tb');
    expect(unquoteExtend("'it''")).toBeNull();
    expect(unquoteExtend('"\\\'"')).toBeNull();
    expect(goQuote('a"b\n')).toBe('"a\\"b\\n"');
  });

  it('relaxed paths for --sort-by and custom-columns', () => {
    for (const p of ['a.b', '.a.b', '{a.b}', '{.a.b}']) expect(relaxedJsonpathExpression(p)).toEqual({ ok: true, template: '{.a.b}' });
    expect(relaxedJsonpathExpression('{.a}{.b}').ok).toBe(false);
  });
});

describe('hostile templates and documents', () => {
  it('a template that multiplies work ends with an error instead of hanging', () => {
    // Each union repeats every element ten times: 10^9 results over a tiny document.
    let nested: unknown = 1;
    for (let i = 0; i < 9; i++) nested = [nested];
    const t = `{@${'[0,0,0,0,0,0,0,0,0,0]'.repeat(9)}}`;
    const c = compileJsonpath(t);
    if (!c.ok) throw new Error(c.error);
    const r = executeJsonpath(c.program, nested, { allowMissingKeys: true });
    expect(r).toEqual({ ok: false, error: 'template evaluation exceeds its work limit' });
  });

  it('a deeply nested document under .. is refused, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(execError('{..x}', deep)).toMatch(/nests too deeply/);
  });

  it('template text is never code: it is only data to the engine', () => {
    const t = '{.constructor}{.__proto__}{.toString}';
    expect(jp(t, { a: 1 })).toBe('');
    expect(jp('{"${process.exit(1)}"}', {})).toBe('${process.exit(1)}');
  });
});

describe('documents built in memory', () => {
  it('treats undefined properties as absent, as in the JSON text', () => {
    const doc = { items: [{ pod: 'web', container: undefined, pid: 1 }] };
    expect(jp('{.items[0]}', doc)).toBe('{"pid":1,"pod":"web"}');
    expect(jp('[{.items[0].container}]', doc)).toBe('[]');
    expect(jp('{.items[0].*}', doc)).toBe('1 web');
    expect(execError('{.items[0].container}', doc, false)).toBe('container is not found');
  });

  it('keeps a long document within the work limit for .. over its strings', () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ pod: `pod-${i}`, uid: 'x'.repeat(3000), names: ['CAP_CHOWN'] }));
    const words = jp('{..pod}', { items }).split(' ');
    expect(words.length).toBe(2000);
  });
});

describe("the document's controls are escaped, the template's text is printed as written", () => {
  // What a value can carry to a terminal: a newline and a CR that forge lines, a
  // tab that forges a column, ESC (terminal sequences), BEL, DEL, a C1 CSI and a
  // bidi override (Trojan Source). A process names itself; its arguments are anything.
  const CONTROLS: [string, string][] = [
    ['\n', '\\x0a'],
    ['\r', '\\x0d'],
    ['\t', '\\x09'],
    ['\x1b', '\\x1b'],
    ['\x07', '\\x07'],
    ['\x7f', '\\x7f'],
    ['\u009b', '\\x9b'],
    ['\u202e', '\\u202e'],
  ];
  const EVIL = `a${CONTROLS.map(([c]) => c).join('-')}z`;
  const ESCAPED = `a${CONTROLS.map(([, e]) => e).join('-')}z`;
  const doc = { items: [{ name: EVIL, args: [EVIL, 'ok'], labels: { [`k${EVIL}`]: 1 } }, { name: 'plain' }] };

  it('each control of a value becomes a visible escape', () => {
    for (const [c, e] of CONTROLS) expect(jp('{.v}', { v: `<${c}>` }), JSON.stringify(c)).toBe(`<${e}>`);
  });

  it('a value inside a range cannot forge a line: one line per item, the template\'s newline raw', () => {
    const out = jp('{range .items[*]}{.name}{"\\n"}{end}', doc);
    expect(out).toBe(`${ESCAPED}\nplain\n`);
    expect(out.split('\n')).toHaveLength(3);
    expect(jp('{range .items[0].args[*]}[{@}]{"\\t"}{end}', doc)).toBe(`[${ESCAPED}]\t[ok]\t`);
  });

  it("quoted literals and literal text print as written, as kubectl prints them", () => {
    expect(jp('{"\\r\\n"}{"\\t"}', {})).toBe('\r\n\t');
    expect(jp('A\tB\r\nC\n{.v}\t\x1b[1m\n', { v: 'x' })).toBe('A\tB\r\nC\nx\t\x1b[1m\n');
    expect(jp('{"\\u202e\\x1b\\a\\x7f"}', {})).toBe('\u202e\x1b\x07\x7f');
  });

  it('maps and lists print as JSON: Go escapes C0, and DEL, C1 and bidi are escaped as well, keys too', () => {
    expect(jp('{.items[0].args}', doc)).toBe('["a\\n-\\r-\\t-\\u001b-\\u0007-\\u007f-\\u009b-\\u202ez","ok"]');
    expect(jp('{.items[0].labels}', doc)).toBe('{"ka\\n-\\r-\\t-\\u001b-\\u0007-\\u007f-\\u009b-\\u202ez":1}');
  });

  it("-o jsonpath-as-json: the document's strings escaped the same way, the template's as Go encodes them", () => {
    const text = jpAsJson('{.items[0].name}{"\\u202e\\t"}', doc);
    expect(text).toBe('[\n    "a\\n-\\r-\\t-\\u001b-\\u0007-\\u007f-\\u009b-\\u202ez"\n]\n[\n    "\u202e\\t"\n]\n');
    // The escapes are JSON's own: the text parses back to the value.
    expect(JSON.parse(`${text.split('\n]\n')[0]}]`)).toEqual([EVIL]);
  });

  it("the template's strings are still strings to the engine: compared, walked and ranged over", () => {
    expect(jp('{.items[?(@.name=="plain")].name}', doc)).toBe('plain');
    expect(jp('{.items[?(@.name<"b")].name}', doc)).toBe(ESCAPED);
    expect(jp('{"ab".*}', {})).toBe('97 98');
    expect(jp('{range .items[*]}{"\\t"}{end}', doc)).toBe('\t\t');
  });

  it('the raw result sets stay unescaped, for callers that print them their own way', () => {
    const c = compileJsonpath('{.items[0].name}{"\\t"}');
    if (!c.ok) throw new Error(c.error);
    expect(findJsonpathResults(c.program, doc, { allowMissingKeys: true })).toEqual({ ok: true, results: [[EVIL], ['\t']] });
  });
});

describe('the -o jsonpath and custom-columns renderers (templated.ts) print what the engines make', () => {
  // A renderer over a fixed document, in place of the items' -o json document.
  const over = (doc: unknown): DocumentRenderer => (format) => ({
    showsFailures: true,
    progress: false,
    start: (spec) => ({ add: () => '', end: () => format(doc as Parameters<typeof format>[0], spec), cut: () => '' }),
  });
  const spec = { noHeaders: false } as RenderSpec;
  const render = (r: Renderer) => r.start(spec).end({ pods: [] });
  const doc = { items: [{ pid: 1, name: 'x\ny\t\x1b' }, { pid: 2, name: 'ok' }] };

  it("jsonpath: the value escaped, the template's CR, LF and tabs untouched", () => {
    const out = render(jsonpathRenderer('P\t{range .items[*]}{.pid}{"\\t"}{.name}{"\\r\\n"}{end}\n', false, over(doc)));
    expect(out).toBe('P\t1\tx\\x0ay\\x09\\x1b\r\n2\tok\r\n\n');
  });

  it('jsonpath-as-json and custom-columns', () => {
    expect(render(jsonpathRenderer('{.items[0].name}', true, over(doc)))).toBe('[\n    "x\\ny\\t\\u001b"\n]\n');
    expect(render(customColumnsRenderer('PID:.pid,NAME:.name', false, over(doc)))).toBe(
      'PID   NAME\n1     x\\x0ay\\x09\\x1b\n2     ok\n',
    );
  });
});
