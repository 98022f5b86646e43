/**
 * A pod's name without the parts its controller made up, read from the name
 * alone (the renderer never sees the pod's owner): what stays the same when
 * a Deployment rolls out or a Job runs again, so CI dashboards keep one alert
 * per workload instead of one per pod that ever ran.
 *
 * - generateName adds 5 characters of k8s.io/apimachinery's rand alphabet
 *   (no vowels, no 0/1/3: "bcdfghjklmnpqrstvwxz2456789"); DaemonSet, Job and
 *   ReplicaSet pods are named so.
 *   https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/apiserver/pkg/storage/names/generate.go
 * - A ReplicaSet is its Deployment's name and pod-template-hash: up to 10
 *   characters of the same alphabet (rand.SafeEncodeString of a uint32).
 * - A CronJob's Job is its name and the scheduled time in minutes (digits).
 *
 * A StatefulSet's pods (db-0) and hand-named pods keep their names. Both
 * suffixes become `*`: `web-7d9f8b6c5-x2x4z` → `web-*`, which reads as the
 * set of pods it stands for and is never itself a pod's name.
 */
const GENERATED = /-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
const TEMPLATE_HASH = /-(?:[bcdfghjklmnpqrstvwxz2456789]{6,10}|\d{6,12})$/;

export function workloadName(pod: string): string {
  if (!GENERATED.test(pod)) return pod;
  const base = pod.replace(GENERATED, '');
  return `${base.replace(TEMPLATE_HASH, '')}-*`;
}
