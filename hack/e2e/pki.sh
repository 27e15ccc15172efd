# The node's certificates and kubeconfigs, made fresh by every `up` with
# openssl (P-256 keys: quick to make): one CA, a serving certificate for the API server and one for the
# kubelet, and a client certificate per component with its own identity,
# so that RBAC and the Node authorizer see each component as what it is
# (no component runs as cluster-admin but the harness's own kubeconfig and
# the API server's client to the kubelet). Sourced by node.sh.

# cert <name> <subject> [<subjectAltNames>]: a key and a certificate signed by the CA.
cert() {
  local name=$1 subj=$2 san=${3:-}
  local ext="$PKI/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then
      echo "extendedKeyUsage=serverAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$name.key" -subj "$subj" \
    -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 7 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

# kubeconfig <file> <client cert name>: a kubeconfig for the API server on the node IP.
kubeconfig() {
  local file=$1 name=$2
  cat >"$file" <<KC
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://$NODE_IP:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $name
  user:
    client-certificate: $PKI/$name.crt
    client-key: $PKI/$name.key
contexts:
- name: e2e
  context: {cluster: e2e, user: $name}
current-context: e2e
KC
}

make_pki() {
  mkdir -p "$PKI" && chmod 700 "$PKI"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/ca.key" -days 7 \
    -subj "/CN=countyreport-e2e-ca" -out "$PKI/ca.crt" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  cert apiserver "/CN=kube-apiserver" \
    "IP:$NODE_IP,IP:$KUBERNETES_SVC_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert kubelet-serving "/CN=$NODE_NAME" "IP:$NODE_IP,DNS:$NODE_NAME"
  cert admin "/O=system:masters/CN=countyreport-e2e-admin"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  cert controller-manager "/CN=system:kube-controller-manager"
  cert scheduler "/CN=system:kube-scheduler"
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
  cert kube-proxy "/CN=system:kube-proxy"
  cert netpol "/CN=countyreport-e2e:netpol"
  local c
  for c in admin controller-manager scheduler kubelet kube-proxy netpol; do
    kubeconfig "$STATE/$c.kubeconfig" "$c"
  done
  mv "$STATE/admin.kubeconfig" "$STATE/kubeconfig"
}
