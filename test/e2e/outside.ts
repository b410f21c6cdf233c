/**
 * An address outside the cluster, for `syskit verify --outside`: a listener in a network
 * namespace of its own, joined to the node's namespace by a veth pair, so traffic from a pod
 * to it is forwarded by the node (as traffic to anything beyond a node is) and NetworkPolicy
 * applies. The node's own address would not do: Kubernetes always allows traffic between a pod
 * and its node, and kube-network-policies leaves it alone.
 */
import { execFileSync, spawn } from 'node:child_process';

export const OUTSIDE_IP = '10.242.0.2';
const NODE_SIDE_IP = '10.242.0.1';

export interface OutsideListener {
  readonly address: string;
  stop(): void;
}

export function startOutsideListener(nodeNetns: string, port: number): OutsideListener {
  const netns = `${nodeNetns}-out`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ip('netns', 'add', netns);
  try {
    ip('-n', nodeNetns, 'link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    ip('-n', nodeNetns, 'addr', 'add', `${NODE_SIDE_IP}/30`, 'dev', 'out0');
    ip('-n', nodeNetns, 'link', 'set', 'out0', 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    ip('-n', netns, 'addr', 'add', `${OUTSIDE_IP}/30`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    // Answers go back through the node, which routes the pod network.
    ip('-n', netns, 'route', 'add', 'default', 'via', NODE_SIDE_IP);
  } catch (err) {
    ip('netns', 'del', netns);
    throw err;
  }
  const listener = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      process.execPath,
      '-e',
      `require('net').createServer((s) => s.end('outside\\n')).listen(${port}, '${OUTSIDE_IP}')`,
    ],
    { stdio: 'ignore' },
  );
  return {
    address: `${OUTSIDE_IP}:${port}`,
    stop() {
      listener.kill('SIGKILL');
      try {
        ip('netns', 'del', netns);
      } catch {
        /* already gone */
      }
    },
  };
}
