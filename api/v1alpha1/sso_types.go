package v1alpha1

// SSOSpec signs a tenant's staff in through the organisation's OpenID
// Connect provider (Keycloak, Authing, a 政务 SSO). The provider says who a
// user is and which groups they belong to; this manifest alone says which
// groups are staff of this tenant and in which role: a claim never chooses
// the county.
// +kubebuilder:validation:XValidation:rule="(has(self.editorGroups) && size(self.editorGroups) > 0) || (has(self.viewerGroups) && size(self.viewerGroups) > 0) || (has(self.reviewerGroups) && size(self.reviewerGroups) > 0)",message="spec.portal.sso: map at least one group to a role (editorGroups, viewerGroups, or reviewerGroups on a CityReport)"
type SSOSpec struct {
	// Issuer is the provider's issuer URL, exactly as its discovery document
	// (<issuer>/.well-known/openid-configuration) states it.
	// +kubebuilder:validation:Pattern=`^https://[^\s?#]+$`
	// +kubebuilder:validation:MaxLength=512
	Issuer string `json:"issuer"`

	// ClientID is the portal's client at the provider; its redirect URI
	// there is the portal's address followed by /signin/sso/callback.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	ClientID string `json:"clientID"`

	// ClientSecret names the Secret in the tenant's own namespace, and its
	// key, holding the client secret. A name only: never another namespace.
	ClientSecret SecretKeyReference `json:"clientSecret"`

	// Scopes asked for besides openid (default: profile). Add the scope your
	// provider needs to put groups in the ID token (often "groups").
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:Pattern=`^[\x21\x23-\x5b\x5d-\x7e]{1,64}$`
	// +listType=set
	// +optional
	Scopes []string `json:"scopes,omitempty"`

	// GroupsClaim is the ID token claim listing the user's groups.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.:/-]{1,128}$`
	// +kubebuilder:default=groups
	// +optional
	GroupsClaim string `json:"groupsClaim,omitempty"`

	// ProviderName is shown on the sign-in button: "使用<providerName>登录 /
	// Sign in with <providerName>" (default: 统一身份认证 / single sign-on).
	// +kubebuilder:validation:MaxLength=64
	// +optional
	ProviderName string `json:"providerName,omitempty"`

	// EditorGroups are the provider's groups whose members are editors of
	// this county (they submit data and start reports).
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +listType=set
	// +optional
	EditorGroups []string `json:"editorGroups,omitempty"`

	// ReviewerGroups are the provider's groups whose members review the
	// counties' submissions on a city's portal (CityReport only).
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +listType=set
	// +optional
	ReviewerGroups []string `json:"reviewerGroups,omitempty"`

	// ViewerGroups are the provider's groups whose members may look at
	// everything and change nothing.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +listType=set
	// +optional
	ViewerGroups []string `json:"viewerGroups,omitempty"`

	// LocalAccounts: Enabled keeps password sign-in beside SSO (for a
	// break-glass administrator); Disabled leaves SSO as the only way in.
	// +kubebuilder:validation:Enum=Enabled;Disabled
	// +kubebuilder:default=Enabled
	// +optional
	LocalAccounts string `json:"localAccounts,omitempty"`
}

// SecretKeyReference names a key of a Secret in the object's own namespace.
type SecretKeyReference struct {
	// Name of the Secret.
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key in the Secret.
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:default=client-secret
	// +optional
	Key string `json:"key,omitempty"`
}

// LocalAccountsDisabled is SSOSpec.LocalAccounts turning password sign-in off.
const LocalAccountsDisabled = "Disabled"
