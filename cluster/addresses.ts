/**
 * The local cluster's address plan. Pod, Service and node addresses exist only inside the node's
 * network namespace (cluster/node-network.ts); the host sees none of them. The API server stays
 * on the host's loopback and reaches the namespace through a relay.
 */

/** Service ClusterIPs, room for fleets of thousands of Services; the first is the `kubernetes` Service. */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.0.0.1';
/** The cluster DNS Service (CoreDNS), the resolver the kubelet gives every pod. */
export const DNS_SERVICE_IP = '10.0.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';
/** Pod addresses, handed out by the CNI bridge's host-local IPAM; the first is the bridge (gateway). */
export const POD_CIDR = '10.244.0.0/24';
export const POD_GATEWAY_IP = '10.244.0.1';
/**
 * The node's own address, on the namespace's loopback interface: the kubelet serves here, and
 * the API server's relay listens here for the node's components and for pods (`kubernetes`
 * Service endpoint).
 */
export const NODE_IP = '10.243.0.1';
/** Where the API server is reached from inside the namespace. */
export const NODE_API_PORT = 6443;
export const NODE_NAME = 'syskit-node';
export const SERVICE_ACCOUNT_ISSUER = `https://kubernetes.default.svc.${CLUSTER_DOMAIN}`;
