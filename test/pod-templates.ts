/** Every pod template in a list of Kubernetes objects, with where it was found. */
export function podTemplates(
  objects: Record<string, unknown>[],
): { where: string; spec: Record<string, any> }[] {
  const out: { where: string; spec: Record<string, any> }[] = [];
  for (const o of objects as any[]) {
    const where = `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    if (o.kind === 'Pod') out.push({ where, spec: o.spec });
    else if (o.kind === 'CronJob') out.push({ where, spec: o.spec.jobTemplate.spec.template.spec });
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind))
      out.push({ where, spec: o.spec.template.spec });
  }
  return out;
}

/** What Pod Security `restricted` requires of a pod, as a list of violations (empty when it passes). */
export function restrictedViolations(spec: Record<string, any>): string[] {
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const flag of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[flag]) problems.push(`${flag} is set`);
  for (const v of spec.volumes ?? []) if (v.hostPath) problems.push(`volume ${v.name} is a hostPath`);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const sc = c.securityContext ?? {};
    const name = `container ${c.name}`;
    if (sc.privileged) problems.push(`${name} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${name} allows privilege escalation`);
    if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && pod.runAsNonRoot === true)))
      problems.push(`${name} may run as root`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${name} runs as UID 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`${name} has no RuntimeDefault seccomp profile`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) problems.push(`${name} does not drop ALL capabilities`);
    const add: string[] = sc.capabilities?.add ?? [];
    if (add.some((cap) => cap !== 'NET_BIND_SERVICE'))
      problems.push(`${name} adds capabilities ${add.join(',')}`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${name} has a writable root filesystem`);
    for (const p of c.ports ?? []) if (p.hostPort) problems.push(`${name} uses hostPort ${p.hostPort}`);
  }
  return problems;
}
