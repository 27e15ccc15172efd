package portal

// The header of every page is data: each portal has its name, its
// navigation, its role names and its footer, and layout.html draws
// whichever it is given. A portal's pages never ask which kind of portal
// they are in.

// navLink is one item of a portal's navigation.
type navLink struct {
	// Key is the page's Nav value that marks the link as the current page.
	Key string
	// Href is where it goes; Label the translation key of its text.
	Href, Label string
	// EditorsOnly: shown only to accounts that may change things (the
	// handlers check again).
	EditorsOnly bool
}

// chrome is what distinguishes one kind of portal in the header and
// footer: translation keys and the navigation.
type chrome struct {
	Portal, Footer, RolePrefix string
	Nav                        []navLink
}

// countyChrome is the county portal's header and footer.
var countyChrome = chrome{
	Portal: "portal", Footer: "footer", RolePrefix: "role.",
	Nav: []navLink{
		{Key: "dashboard", Href: "/", Label: "nav.dashboard"},
		{Key: "data", Href: "/data", Label: "nav.data"},
		{Key: "reports", Href: "/reports", Label: "nav.reports"},
		{Key: "notifications", Href: "/notifications", Label: "nav.notifications"},
		{Key: "audit", Href: "/audit", Label: "nav.audit", EditorsOnly: true},
	},
}

// cityChrome is the city portal's header and footer.
var cityChrome = chrome{
	Portal: "city.portal", Footer: "city.footer", RolePrefix: "city.role.",
	Nav: []navLink{
		{Key: "board", Href: "/", Label: "nav.board"},
		{Key: "ranking", Href: "/ranking", Label: "nav.ranking"},
		{Key: "reports", Href: "/reports", Label: "nav.cityreports"},
		{Key: "notifications", Href: "/notifications", Label: "nav.notifications"},
		{Key: "audit", Href: "/audit", Label: "nav.audit", EditorsOnly: true},
	},
}

// chromeFor is the header and footer of a city's portal (city) or a county's.
func chromeFor(city bool) chrome {
	if city {
		return cityChrome
	}
	return countyChrome
}

// shownLink is a navigation item as the page shows it.
type shownLink struct {
	Href, Text string
	Current    bool
}

// Links is the page's navigation for its account, in its language.
func (p *page) Links() []shownLink {
	var out []shownLink
	for _, l := range p.Chrome.Nav {
		if l.EditorsOnly && !p.Editor() {
			continue
		}
		out = append(out, shownLink{Href: l.Href, Text: p.T(l.Label), Current: l.Key == p.Nav})
	}
	return out
}
