// Just enough of the Kubernetes protobuf encoding to read a Pod that a
// client-go typed client POSTs: kubectl debug node/... creates its pod with
// Content-Type application/vnd.kubernetes.protobuf, and client-go falls back
// to JSON on a 415 only for CBOR, not protobuf. Fields not in the schema
// below are skipped (as unknown fields would be dropped).
//
// Envelope (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the bytes
// "k8s\0", then a runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2},
// raw = 2, contentEncoding = 3, contentType = 4}; raw is the v1.Pod message.
// Field numbers: k8s.io/api/core/v1/generated.proto and
// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto.
// Wire format: https://protobuf.dev/programming-guides/encoding/

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

type FieldType = 'string' | 'bool' | 'int' | 'bytes' | 'map' | 'quantity-map' | 'quantity' | { message: string };
type Field = [name: string, type: FieldType, repeated?: true];
type Schema = Record<string, Record<number, Field>>;

const m = (message: string): FieldType => ({ message });

const SCHEMA: Schema = {
  Unknown: { 1: ['typeMeta', m('TypeMeta')], 2: ['raw', 'bytes'], 3: ['contentEncoding', 'string'], 4: ['contentType', 'string'] },
  TypeMeta: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] },
  Pod: { 1: ['metadata', m('ObjectMeta')], 2: ['spec', m('PodSpec')] },
  ObjectMeta: {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    11: ['labels', 'map'],
    12: ['annotations', 'map'],
  },
  PodSpec: {
    1: ['volumes', m('Volume'), true],
    2: ['containers', m('Container'), true],
    20: ['initContainers', m('Container'), true],
    3: ['restartPolicy', 'string'],
    4: ['terminationGracePeriodSeconds', 'int'],
    6: ['dnsPolicy', 'string'],
    7: ['nodeSelector', 'map'],
    8: ['serviceAccountName', 'string'],
    10: ['nodeName', 'string'],
    11: ['hostNetwork', 'bool'],
    12: ['hostPID', 'bool'],
    13: ['hostIPC', 'bool'],
    14: ['securityContext', m('PodSecurityContext')],
    19: ['schedulerName', 'string'],
    22: ['tolerations', m('Toleration'), true],
    27: ['shareProcessNamespace', 'bool'],
    37: ['hostUsers', 'bool'],
  },
  Container: {
    1: ['name', 'string'],
    2: ['image', 'string'],
    3: ['command', 'string', true],
    4: ['args', 'string', true],
    5: ['workingDir', 'string'],
    7: ['env', m('EnvVar'), true],
    8: ['resources', m('ResourceRequirements')],
    9: ['volumeMounts', m('VolumeMount'), true],
    13: ['terminationMessagePath', 'string'],
    20: ['terminationMessagePolicy', 'string'],
    14: ['imagePullPolicy', 'string'],
    15: ['securityContext', m('SecurityContext')],
    16: ['stdin', 'bool'],
    17: ['stdinOnce', 'bool'],
    18: ['tty', 'bool'],
  },
  EnvVar: { 1: ['name', 'string'], 2: ['value', 'string'] },
  ResourceRequirements: { 1: ['limits', 'quantity-map'], 2: ['requests', 'quantity-map'] },
  VolumeMount: { 1: ['name', 'string'], 2: ['readOnly', 'bool'], 3: ['mountPath', 'string'], 4: ['subPath', 'string'] },
  Volume: { 1: ['name', 'string'], 2: ['volumeSource', m('VolumeSource')] },
  VolumeSource: { 1: ['hostPath', m('HostPathVolumeSource')], 2: ['emptyDir', m('EmptyDirVolumeSource')] },
  HostPathVolumeSource: { 1: ['path', 'string'], 2: ['type', 'string'] },
  EmptyDirVolumeSource: { 1: ['medium', 'string'] },
  Toleration: { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['value', 'string'], 4: ['effect', 'string'], 5: ['tolerationSeconds', 'int'] },
  SecurityContext: {
    1: ['capabilities', m('Capabilities')],
    2: ['privileged', 'bool'],
    4: ['runAsUser', 'int'],
    8: ['runAsGroup', 'int'],
    5: ['runAsNonRoot', 'bool'],
    6: ['readOnlyRootFilesystem', 'bool'],
    7: ['allowPrivilegeEscalation', 'bool'],
    9: ['procMount', 'string'],
    11: ['seccompProfile', m('SeccompProfile')],
  },
  PodSecurityContext: {
    2: ['runAsUser', 'int'],
    6: ['runAsGroup', 'int'],
    3: ['runAsNonRoot', 'bool'],
    4: ['supplementalGroups', 'int', true],
    5: ['fsGroup', 'int'],
    10: ['seccompProfile', m('SeccompProfile')],
  },
  Capabilities: { 1: ['add', 'string', true], 2: ['drop', 'string', true] },
  SeccompProfile: { 1: ['type', 'string'], 2: ['localhostProfile', 'string'] },
  // resource.Quantity is a message {string = 1}.
  Quantity: { 1: ['string', 'string'] },
  MapEntry: { 1: ['key', 'string'], 2: ['value', 'string'] },
  QuantityEntry: { 1: ['key', 'string'], 2: ['value', m('Quantity')] },
};

export class ProtobufError extends Error {}

class Reader {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufError('varint too long');
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new ProtobufError('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new ProtobufError(`unsupported wire type ${wire}`);
  }
}

function decodeMessage(buf: Buffer, type: string): Record<string, unknown> {
  const schema = SCHEMA[type];
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const key = r.varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    const field = schema[no];
    if (!field) {
      r.skip(wire);
      continue;
    }
    const [name, ftype, repeated] = field;
    const put = (v: unknown): void => {
      if (repeated) ((out[name] ??= []) as unknown[]).push(v);
      // Go's non-pointer fields are always encoded; their zero values are what JSON's omitempty leaves out.
      // allowPrivilegeEscalation is a pointer whose false means something.
      else if (v === '' || (v === false && name !== 'allowPrivilegeEscalation')) delete out[name];
      else out[name] = v;
    };
    if (ftype === 'string') put(r.bytes().toString('utf8'));
    else if (ftype === 'bytes') put(r.bytes());
    else if (ftype === 'bool') put(r.varint() !== 0n);
    else if (ftype === 'int') {
      if (wire === 2) {
        // packed repeated varints
        const inner = new Reader(r.bytes());
        while (!inner.done()) put(Number(BigInt.asIntN(64, inner.varint())));
      } else put(Number(BigInt.asIntN(64, r.varint())));
    } else if (ftype === 'map' || ftype === 'quantity-map') {
      const e = decodeMessage(r.bytes(), ftype === 'map' ? 'MapEntry' : 'QuantityEntry');
      const map = (out[name] ??= {}) as Record<string, unknown>;
      const v = e.value as Record<string, unknown> | string | undefined;
      map[String(e.key ?? '')] = ftype === 'map' ? (v ?? '') : ((v as Record<string, unknown> | undefined)?.string ?? '');
    } else if (typeof ftype === 'object') {
      put(decodeMessage(r.bytes(), ftype.message));
    } else {
      r.skip(wire);
    }
  }
  // A volume's source is inlined in JSON (v1.Volume embeds VolumeSource).
  if (type === 'Volume' && out.volumeSource) {
    Object.assign(out, out.volumeSource);
    delete out.volumeSource;
  }
  return out;
}

/** Decodes a protobuf-encoded v1.Pod request body into its JSON form (the fields in SCHEMA). */
export function decodePodProtobuf(body: Buffer): Record<string, unknown> {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) throw new ProtobufError('missing the k8s\\0 prefix');
  const unknown = decodeMessage(body.subarray(4), 'Unknown');
  const tm = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  if (tm.kind !== undefined && tm.kind !== 'Pod') throw new ProtobufError(`expected a Pod, got ${tm.kind}`);
  const pod = decodeMessage((unknown.raw as Buffer | undefined) ?? Buffer.alloc(0), 'Pod');
  return { apiVersion: tm.apiVersion ?? 'v1', kind: 'Pod', ...pod };
}
