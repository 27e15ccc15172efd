package portal

// The words of single sign-on (see i18n.go and signin.go).
func init() {
	addMessages("zh-CN", map[string]string{
		"signin.sso":         "使用统一身份认证登录",
		"signin.sso.named":   "使用统一身份认证登录（%s）",
		"signin.local":       "或使用本地账号登录（仅限应急管理员）：",
		"signin.sso.norole":  "您的统一身份认证账号不属于本门户的任何用户组，无法登录。请联系市级管理员开通。",
		"signin.sso.failed":  "统一身份认证登录未完成，请重新登录。",
		"signin.sso.down":    "暂时无法连接统一身份认证服务，请稍后再试。",
		"signin.local.off":   "本门户只接受统一身份认证登录。",
		"signin.sso.default": "统一身份认证",
	})
	addMessages("en", map[string]string{
		"signin.sso":         "Sign in with %s",
		"signin.sso.named":   "Sign in with %s",
		"signin.local":       "Or sign in with a local account (emergency administrators only):",
		"signin.sso.norole":  "Your single sign-on account is not in any group with access to this portal. Ask the city's administrators for access.",
		"signin.sso.failed":  "Single sign-on did not complete. Please sign in again.",
		"signin.sso.down":    "The single sign-on service cannot be reached right now. Please try again later.",
		"signin.local.off":   "This portal accepts single sign-on only.",
		"signin.sso.default": "single sign-on",
	})
}

// ssoLabel is the sign-in button's words: "使用统一身份认证登录" /
// "Sign in with <provider>".
func ssoLabel(lang, provider string) string {
	if lang == "en" {
		if provider == "" {
			provider = tr(lang, "signin.sso.default")
		}
		return tr(lang, "signin.sso", provider)
	}
	if provider == "" {
		return tr(lang, "signin.sso")
	}
	return tr(lang, "signin.sso.named", provider)
}
