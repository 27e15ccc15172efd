package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// The sync functions below compare what the operator owns in each kind and
// copy the wanted fields over when they differ. equality.Semantic.DeepDerivative
// treats fields left empty in want as "don't care", so server defaults are not
// differences; lists whose entries can be removed are also compared by length.

func syncServiceAccount(have, want *corev1.ServiceAccount) bool {
	if equality.Semantic.DeepEqual(have.AutomountServiceAccountToken, want.AutomountServiceAccountToken) {
		return false
	}
	have.AutomountServiceAccountToken = want.AutomountServiceAccountToken
	return true
}

func syncConfigMap(have, want *corev1.ConfigMap) bool {
	if equality.Semantic.DeepEqual(have.Data, want.Data) {
		return false
	}
	have.Data = want.Data
	return true
}

// Integers are compared literally by DeepDerivative, so the builders spell out
// every integer field the API server would otherwise default.
func syncDeployment(have, want *appsv1.Deployment) bool {
	same := equality.Semantic.DeepEqual(have.Spec.Replicas, want.Spec.Replicas) &&
		equality.Semantic.DeepDerivative(want.Spec.Template, have.Spec.Template) &&
		len(want.Spec.Template.Spec.Volumes) == len(have.Spec.Template.Spec.Volumes) &&
		sameEnv(want.Spec.Template.Spec.Containers, have.Spec.Template.Spec.Containers)
	if same {
		return false
	}
	have.Spec.Replicas = want.Spec.Replicas
	have.Spec.Template = want.Spec.Template
	return true
}

// sameEnv compares the number of containers and of their env vars, which
// DeepDerivative does not see shrink.
func sameEnv(want, have []corev1.Container) bool {
	if len(want) != len(have) {
		return false
	}
	for i := range want {
		if len(want[i].Env) != len(have[i].Env) || len(want[i].VolumeMounts) != len(have[i].VolumeMounts) {
			return false
		}
	}
	return true
}

func syncService(have, want *corev1.Service) bool {
	if equality.Semantic.DeepDerivative(want.Spec, have.Spec) && len(want.Spec.Ports) == len(have.Spec.Ports) {
		return false
	}
	have.Spec.Type = want.Spec.Type
	have.Spec.Selector = want.Spec.Selector
	have.Spec.Ports = want.Spec.Ports
	return true
}

func syncNetworkPolicy(have, want *networkingv1.NetworkPolicy) bool {
	if equality.Semantic.DeepDerivative(want.Spec, have.Spec) &&
		len(want.Spec.Egress) == len(have.Spec.Egress) &&
		len(want.Spec.Ingress) == len(have.Spec.Ingress) {
		return false
	}
	have.Spec = want.Spec
	return true
}

func syncIngress(have, want *networkingv1.Ingress) bool {
	if equality.Semantic.DeepDerivative(want.Spec, have.Spec) &&
		len(want.Spec.TLS) == len(have.Spec.TLS) &&
		equality.Semantic.DeepEqual(want.Spec.IngressClassName, have.Spec.IngressClassName) {
		return false
	}
	have.Spec = want.Spec
	return true
}
