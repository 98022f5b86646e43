// A Deployment's pod at the size a real cluster stores it (about 12 KB of
// JSON once served): managedFields of kubectl-client-side-apply,
// kube-controller-manager and the kubelet (FieldsV1), the
// kubectl.kubernetes.io/last-applied-configuration annotation, an owner
// ReplicaSet, a spec with env, probes, resources, volumes and tolerations
// as admission leaves them, and status IPs (the server adds conditions and
// container statuses). For benchmarks and tests of clients over thousands
// of pods; the shapes follow `kubectl get pod -o json` of a Deployment's pod.
// https://kubernetes.io/docs/reference/using-api/server-side-apply/#managed-fields

import { createHash } from 'node:crypto';
import type { FixtureMetadata, FixturePod, RunSpec } from './fixture.ts';

export interface RealisticPodOptions {
  name: string;
  namespace: string;
  /** The app label and the owning ReplicaSet's prefix. */
  app: string;
  labels?: Record<string, string>;
  run: RunSpec;
  /** Index among its siblings: makes IPs and volume names differ. */
  index: number;
}

const FIELDS_TIME = '2025-05-20T09:14:07Z';

/** A stable uid-looking string from a seed (the same ReplicaSet for every pod of one set). */
function uidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ENV = [
  ['LOG_LEVEL', 'info'],
  ['LOG_FORMAT', 'json'],
  ['HTTP_PORT', '8080'],
  ['METRICS_PORT', '9090'],
  ['GRPC_MAX_RECV_MSG_SIZE', '16777216'],
  ['CACHE_TTL_SECONDS', '300'],
  ['FEATURE_FLAGS', 'new-checkout,async-export,metrics-v2'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://otel-collector.observability.svc.cluster.local:4317'],
  ['OTEL_SERVICE_NAME', ''],
  ['DATABASE_HOST', 'postgres-primary.data.svc.cluster.local'],
  ['DATABASE_PORT', '5432'],
  ['DATABASE_NAME', 'orders'],
  ['DATABASE_POOL_SIZE', '20'],
  ['REDIS_URL', 'redis://redis-master.data.svc.cluster.local:6379/0'],
  ['KAFKA_BROKERS', 'kafka-0.kafka-headless.data.svc.cluster.local:9092,kafka-1.kafka-headless.data.svc.cluster.local:9092'],
  ['SHUTDOWN_GRACE_SECONDS', '25'],
];

/** The fieldsV1 set of a container (keys as server-side apply records them). */
function containerFields(name: string): Record<string, unknown> {
  const env: Record<string, unknown> = { '.': {} };
  for (const [k] of ENV) env[`k:{"name":"${k}"}`] = { '.': {}, 'f:name': {}, 'f:value': {} };
  env['k:{"name":"POD_NAME"}'] = { '.': {}, 'f:name': {}, 'f:valueFrom': { '.': {}, 'f:fieldRef': {} } };
  const probe = { '.': {}, 'f:failureThreshold': {}, 'f:httpGet': { '.': {}, 'f:path': {}, 'f:port': {}, 'f:scheme': {} }, 'f:initialDelaySeconds': {}, 'f:periodSeconds': {}, 'f:successThreshold': {}, 'f:timeoutSeconds': {} };
  return {
    [`k:{"name":"${name}"}`]: {
      '.': {},
      'f:env': env,
      'f:image': {},
      'f:imagePullPolicy': {},
      'f:livenessProbe': probe,
      'f:name': {},
      'f:ports': {
        '.': {},
        'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {} },
        'k:{"containerPort":9090,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {} },
      },
      'f:readinessProbe': probe,
      'f:resources': { '.': {}, 'f:limits': { '.': {}, 'f:memory': {} }, 'f:requests': { '.': {}, 'f:cpu': {}, 'f:memory': {} } },
      'f:terminationMessagePath': {},
      'f:terminationMessagePolicy': {},
      'f:volumeMounts': { '.': {}, 'k:{"mountPath":"/etc/app"}': { '.': {}, 'f:mountPath': {}, 'f:name': {}, 'f:readOnly': {} } },
    },
  };
}

/** The entries of kubectl-client-side-apply and kube-controller-manager, the same for every pod of a set. */
function writerFields(rsUid: string, container: string): Record<string, unknown>[] {
  const specFields = {
    'f:affinity': { '.': {}, 'f:podAntiAffinity': { '.': {}, 'f:preferredDuringSchedulingIgnoredDuringExecution': {} } },
    'f:containers': containerFields(container),
    'f:dnsPolicy': {},
    'f:enableServiceLinks': {},
    'f:restartPolicy': {},
    'f:schedulerName': {},
    'f:securityContext': {},
    'f:serviceAccount': {},
    'f:serviceAccountName': {},
    'f:terminationGracePeriodSeconds': {},
    'f:volumes': { '.': {}, 'k:{"name":"config"}': { '.': {}, 'f:configMap': { '.': {}, 'f:defaultMode': {}, 'f:name': {} }, 'f:name': {} } },
  };
  return [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion: 'v1',
      time: FIELDS_TIME,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } },
    },
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'v1',
      time: FIELDS_TIME,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:annotations': { 'f:prometheus.io/port': {}, 'f:prometheus.io/scrape': {} },
          'f:generateName': {},
          'f:labels': { '.': {}, 'f:app': {}, 'f:app.kubernetes.io/name': {}, 'f:app.kubernetes.io/version': {}, 'f:pod-template-hash': {} },
          'f:ownerReferences': { '.': {}, [`k:{"uid":"${rsUid}"}`]: {} },
        },
        'f:spec': specFields,
      },
    },
  ];
}

const condition = (type: string): Record<string, unknown> => ({
  [`k:{"type":"${type}"}`]: { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} },
});

/** The kubelet's status entry, which names the pod's IP. */
function kubeletFields(ip: string): Record<string, unknown> {
  return {
    manager: 'kubelet',
    operation: 'Update',
    apiVersion: 'v1',
    time: FIELDS_TIME,
    fieldsType: 'FieldsV1',
    subresource: 'status',
    fieldsV1: {
      'f:status': {
        'f:conditions': {
          ...condition('ContainersReady'),
          ...condition('Initialized'),
          ...condition('PodReadyToStartContainers'),
          ...condition('Ready'),
        },
        'f:containerStatuses': {},
        'f:hostIP': {},
        'f:hostIPs': {},
        'f:phase': {},
        'f:podIP': {},
        'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: { '.': {}, 'f:ip': {} } },
        'f:startTime': {},
      },
    },
  };
}

function probe(path: string): Record<string, unknown> {
  return { httpGet: { path, port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 10, timeoutSeconds: 2, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
}

interface Template {
  rsName: string;
  writers: Record<string, unknown>[];
  rsUid: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  container: Record<string, unknown>;
  /** The last-applied-configuration annotation, split around the pod's name. */
  applied: [string, string];
}

// One template per set: every pod of a set shares its spec, labels and most
// of its managedFields (the server copies what it changes), so 10,000 pods
// cost little more than their names, IPs and annotations.
const templates = new Map<string, Template>();

function templateOf(app: string, namespace: string, extraLabels: Record<string, string> | undefined): Template {
  const id = JSON.stringify([app, namespace, extraLabels ?? {}]);
  const hit = templates.get(id);
  if (hit) return hit;
  const hash = createHash('sha256').update(app).digest('hex');
  const templateHash = `${hash.slice(0, 8)}${'bcdfghjklm'[Number.parseInt(hash[8], 16) % 10]}${hash.slice(9, 10)}`.replace(/[aeiou]/g, 'b');
  const rsName = `${app}-${templateHash}`;
  const apiAccess = `kube-api-access-${templateHash.slice(0, 5)}`;
  const labels = {
    app,
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/version': '1.24.3',
    'pod-template-hash': templateHash,
    ...extraLabels,
  };
  const container = {
    name: 'app',
    image: `registry.example/procstatus/${app}:1.24.3`,
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: [
      ...ENV.map(([name, value]) => ({ name, value: name === 'OTEL_SERVICE_NAME' ? app : value })),
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' } },
    volumeMounts: [
      { name: 'config', readOnly: true, mountPath: '/etc/app' },
      { name: apiAccess, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ],
    livenessProbe: probe('/healthz'),
    readinessProbe: probe('/readyz'),
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
  const spec = {
    volumes: [
      { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
      {
        name: apiAccess,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
          defaultMode: 420,
        },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    // No security fields: the processes behind these pods keep the server's
    // credentials, and a spec that promised otherwise would read as a lie.
    securityContext: {},
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' } },
        ],
      },
    },
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  // What `kubectl apply` recorded: the object as the user wrote it.
  const marker = '\u0001NAME\u0001';
  const applied = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { annotations: { 'prometheus.io/port': '9090', 'prometheus.io/scrape': 'true' }, labels, name: marker, namespace },
    spec: {
      affinity: spec.affinity,
      containers: [{ ...container, terminationMessagePath: undefined, terminationMessagePolicy: undefined }],
      volumes: [spec.volumes[0]],
    },
  });
  const at = applied.indexOf(JSON.stringify(marker));
  const rsUid = uidOf(`${namespace}/${rsName}`);
  const t: Template = {
    rsName,
    writers: writerFields(rsUid, 'app'),
    rsUid,
    labels,
    spec,
    container,
    applied: [applied.slice(0, at), applied.slice(at + JSON.stringify(marker).length)],
  };
  templates.set(id, t);
  return t;
}

/** One realistic pod as a fixture entry. */
export function realisticPod(o: RealisticPodOptions): FixturePod {
  const t = templateOf(o.app, o.namespace, o.labels);
  const ip = `10.244.${1 + (Math.floor(o.index / 250) % 250)}.${2 + (o.index % 250)}`;
  const metadata: FixtureMetadata = {
    name: o.name,
    generateName: `${t.rsName}-`,
    namespace: o.namespace,
    labels: t.labels,
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': `${t.applied[0]}${JSON.stringify(o.name)}${t.applied[1]}\n`,
      'prometheus.io/port': '9090',
      'prometheus.io/scrape': 'true',
    },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: t.rsName, uid: t.rsUid, controller: true }],
    managedFields: [...t.writers, kubeletFields(ip)],
  };
  return {
    metadata,
    spec: { ...t.spec, containers: [{ ...t.container, run: o.run }] },
    status: { phase: 'Running', hostIPs: [{ ip: '127.0.0.1' }], podIP: ip, podIPs: [{ ip }] },
  } as unknown as FixturePod;
}
