package tenant

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

func meta(cr *v1alpha1.CountyReport) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: Name(cr), Namespace: cr.Namespace, Labels: Labels(cr)}
}

// ServiceAccount is the portal's identity, bound to Role. Its token is
// mounted only into the portal's own pods (the pod spec asks for it).
func ServiceAccount(cr *v1alpha1.CountyReport) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		ObjectMeta:                   meta(cr),
		AutomountServiceAccountToken: ptr.To(false),
	}
}

// ConfigMap holds the portal's configuration.
func ConfigMap(cr *v1alpha1.CountyReport, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: meta(cr), Data: data}
}

// DefaultResources apply when spec.portal.resources is unset. The
// requests are what a portal was measured to use on a real node
// (docs/benchmarks.md, "a real node"), with headroom: at rest about 59 MiB
// and under 1 millicore; once someone has signed in about 106 MiB, for the
// password check's argon2id (46 MiB) stays in the heap. So 128Mi and 20m:
// fifty portals request 1 CPU and 6.25 GiB, and fit on a 2-core node
// beside the managers and a report Job. The limits hold two password
// checks at once, all a portal runs (accounts.VerifySlots).
func DefaultResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("20m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("256Mi"),
		},
	}
}

// Deployment runs `countyreport portal` for the county, locked down as
// every portal is (portalDeployment), with the token of its ServiceAccount.
func Deployment(cr *v1alpha1.CountyReport, in Inputs, configHash string) *appsv1.Deployment {
	return portalDeployment(portalPod{
		meta: meta(cr), selector: SelectorLabels(cr), labels: Labels(cr), name: Name(cr),
		spec: cr.Spec.Portal, image: in.PortalImage, configHash: configHash,
		args: []string{"portal", "--config=" + ConfigDir + "/" + ConfigFile},
		// The portal creates ReportRuns ("generate now") with its
		// ServiceAccount, bound to a Role in this namespace only.
		apiToken:    true,
		credentials: in.CredentialsSecretName, storageCA: in.StorageCA,
	})
}

// secretVolume is a Secret volume readable by the portal's group only.
func secretVolume(name, secret string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName: secret, DefaultMode: ptr.To[int32](0o440),
	}}}
}

// httpProbe checks path on the portal's http port.
func httpProbe(path string) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromString("http"),
		}},
		// Spelled out in full: the comparison treats integers literally,
		// so leaving the server's defaults implicit would look like drift.
		PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3,
	}
}

// podSecurityContext runs a portal's pod as the non-root portal user with
// the RuntimeDefault seccomp profile.
func podSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		RunAsUser:      ptr.To[int64](portalUID),
		RunAsGroup:     ptr.To[int64](portalUID),
		FSGroup:        ptr.To[int64](portalUID),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurityContext: no privilege escalation, read-only root
// filesystem, no capabilities.
func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// credentialsEnv passes the county's scoped storage credentials from their
// Secret; never the operator's admin credentials.
func credentialsEnv(secret string) []corev1.EnvVar {
	if secret == "" {
		return nil
	}
	from := func(env, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key,
		}}}
	}
	return []corev1.EnvVar{
		from("COUNTYREPORT_STORAGE_ACCESS_KEY", "accessKey"),
		from("COUNTYREPORT_STORAGE_SECRET_KEY", "secretKey"),
		from("COUNTYREPORT_STORAGE_SESSION_TOKEN", "sessionToken"),
	}
}

// Service exposes the portal inside the cluster.
func Service(cr *v1alpha1.CountyReport) *corev1.Service {
	return portalService(meta(cr), SelectorLabels(cr))
}

// NetworkPolicy lets traffic reach the portal's port and nothing else in;
// out, the portal may reach DNS and the storage endpoint only.
func NetworkPolicy(cr *v1alpha1.CountyReport, in Inputs) *networkingv1.NetworkPolicy {
	egress := []networkingv1.NetworkPolicyEgressRule{dnsEgress()}
	if rule, ok := storageEgress(in.StorageEndpoint, in.StorageInsecure); ok {
		egress = append(egress, rule)
	}
	egress = append(egress, apiServerEgress(in))
	if rule, ok := ssoEgress(cr.Spec.Portal.SSO); ok {
		egress = append(egress, rule)
	}
	return portalNetworkPolicy(meta(cr), SelectorLabels(cr), egress)
}

// dnsEgress lets a portal reach DNS, over UDP and TCP.
func dnsEgress() networkingv1.NetworkPolicyEgressRule {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	return networkingv1.NetworkPolicyEgressRule{
		Ports: []networkingv1.NetworkPolicyPort{
			{Protocol: &udp, Port: ptr.To(intstr.FromInt32(53))},
			{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(53))},
		},
	}
}

// storageEgress lets a portal reach the storage endpoint; false when there is none.
func storageEgress(endpoint string, insecure bool) (networkingv1.NetworkPolicyEgressRule, bool) {
	host, port, ok := splitEndpoint(endpoint, insecure)
	if !ok {
		return networkingv1.NetworkPolicyEgressRule{}, false
	}
	tcp := corev1.ProtocolTCP
	rule := networkingv1.NetworkPolicyEgressRule{
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(port))}},
	}
	// An IP endpoint is pinned exactly; a DNS name cannot be expressed in a
	// NetworkPolicy, so only its port is allowed.
	if ip := parseIP(host); ip != "" {
		rule.To = []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: ip}}}
	}
	return rule, true
}

// apiServerEgress lets the portal reach the Kubernetes API ("generate
// now"): by default the kubernetes Service's port 443 and the API server's
// own port 6443, since policies see the address after the Service's
// translation, on any address. Inputs.APIServerPorts and APIServerCIDRs
// narrow it to what the installation knows of its control plane.
func apiServerEgress(in Inputs) networkingv1.NetworkPolicyEgressRule {
	tcp := corev1.ProtocolTCP
	ports := in.APIServerPorts
	if len(ports) == 0 {
		ports = DefaultAPIServerPorts
	}
	var rule networkingv1.NetworkPolicyEgressRule
	for _, port := range ports {
		rule.Ports = append(rule.Ports, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(port))})
	}
	for _, cidr := range in.APIServerCIDRs {
		rule.To = append(rule.To, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}})
	}
	return rule
}

// DefaultAPIServerPorts are the ports a county portal may reach the API
// server on when the installation does not say: the kubernetes Service's
// 443 and the port most control planes serve on.
var DefaultAPIServerPorts = []int32{443, 6443}

// Ingress exposes the portal under spec.portal.ingress.host; nil when unset.
func Ingress(cr *v1alpha1.CountyReport) *networkingv1.Ingress {
	return portalIngress(meta(cr), cr.Spec.Portal.Ingress, Name(cr))
}

// portalIngress routes spec.host to the portal Service service; nil when spec is.
func portalIngress(om metav1.ObjectMeta, spec *v1alpha1.IngressSpec, service string) *networkingv1.Ingress {
	if spec == nil {
		return nil
	}
	pathType := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: om,
		Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{
				Host: spec.Host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path: "/", PathType: &pathType,
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: service, Port: networkingv1.ServiceBackendPort{Name: "http"},
						}},
					}},
				}},
			}},
		},
	}
	if spec.ClassName != "" {
		ing.Spec.IngressClassName = ptr.To(spec.ClassName)
	}
	if spec.TLSSecretName != "" {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{spec.Host}, SecretName: spec.TLSSecretName}}
	}
	return ing
}
