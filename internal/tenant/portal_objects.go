package tenant

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// portalPod is what differs between a county's portal and the city's: the
// rest of their Deployments (the lock-down, the probes, the volumes every
// portal has) is the same by design, so one builder makes both.
type portalPod struct {
	meta             metav1.ObjectMeta
	selector, labels map[string]string
	// name is the portal's ConfigMap, ServiceAccount and own Secret.
	name       string
	spec       v1alpha1.PortalSpec
	image      string // the operator's portal image; spec.image overrides it
	configHash string
	args       []string // the subcommand and its --config
	apiToken   bool     // whether the ServiceAccount token is mounted

	extraVolumes []corev1.Volume
	extraMounts  []corev1.VolumeMount
	credentials  string // the storage credentials Secret, in the environment
	storageCA    bool
}

// portalDeployment runs a portal locked down: non-root, read-only root
// filesystem, no capabilities, RuntimeDefault seccomp. The config-hash
// annotation rolls the pods when the configuration or the credentials
// change.
func portalDeployment(p portalPod) *appsv1.Deployment {
	image := p.image
	if p.spec.Image != "" {
		image = p.spec.Image
	}
	resources := DefaultResources()
	if p.spec.Resources != nil {
		resources = *p.spec.Resources
	}
	replicas := ptr.Deref(p.spec.Replicas, 1)

	// The portal's own Secret (session key, generated accounts) and a named
	// accounts Secret. Secret volumes follow Secret changes, so account
	// changes need no restart.
	volumes := []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: p.name},
		}}},
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			SizeLimit: ptr.To(resource.MustParse("64Mi")),
		}}},
		secretVolume("portal-secret", p.name),
	}
	mounts := []corev1.VolumeMount{
		{Name: "config", MountPath: ConfigDir, ReadOnly: true},
		{Name: "tmp", MountPath: "/tmp"},
		{Name: "portal-secret", MountPath: SecretDir, ReadOnly: true},
	}
	volumes, mounts = append(volumes, p.extraVolumes...), append(mounts, p.extraMounts...)
	if p.spec.SSO != nil {
		v, m := ssoVolume(p.spec.SSO)
		volumes, mounts = append(volumes, v), append(mounts, m)
	}
	if name := p.spec.AccountsSecretName; name != "" {
		volumes = append(volumes, secretVolume("accounts", name))
		mounts = append(mounts, corev1.VolumeMount{Name: "accounts", MountPath: AccountsDir, ReadOnly: true})
	}
	env := credentialsEnv(p.credentials)
	if p.storageCA && p.credentials != "" {
		v, m, e := StorageCA(p.credentials)
		volumes, mounts, env = append(volumes, v), append(mounts, m), append(env, e)
	}

	args := append(append([]string{}, p.args...),
		fmt.Sprintf("--listen=:%d", PortalPort), fmt.Sprintf("--metrics-listen=:%d", MetricsPort))
	return &appsv1.Deployment{
		ObjectMeta: p.meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: p.selector},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      p.labels,
					Annotations: map[string]string{v1alpha1.AnnotationConfigHash: p.configHash},
				},
				Spec: corev1.PodSpec{
					ServiceAccountName:           p.name,
					AutomountServiceAccountToken: ptr.To(p.apiToken),
					SecurityContext:              podSecurityContext(),
					Containers: []corev1.Container{{
						Name:  "portal",
						Image: image,
						Args:  args,
						Ports: []corev1.ContainerPort{
							{Name: "http", ContainerPort: PortalPort, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: MetricsPort, Protocol: corev1.ProtocolTCP},
						},
						Env:             env,
						SecurityContext: containerSecurityContext(),
						Resources:       resources,
						LivenessProbe:   httpProbe("/healthz"),
						ReadinessProbe:  httpProbe("/readyz"),
						VolumeMounts:    mounts,
					}},
					Volumes: volumes,
				},
			},
		},
	}
}

// portalService exposes a portal's http port inside the cluster.
func portalService(meta metav1.ObjectMeta, selector map[string]string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector,
			Ports: []corev1.ServicePort{{
				Name: "http", Port: ServicePort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// portalNetworkPolicy lets traffic reach a portal's ports and nothing else
// in, and lets it out only by egress.
func portalNetworkPolicy(meta metav1.ObjectMeta, selector map[string]string, egress []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	return &networkingv1.NetworkPolicy{
		ObjectMeta: meta,
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				Ports: []networkingv1.NetworkPolicyPort{
					{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(PortalPort))},
					{Protocol: &tcp, Port: ptr.To(intstr.FromInt32(MetricsPort))},
				},
			}},
			Egress: egress,
		},
	}
}
