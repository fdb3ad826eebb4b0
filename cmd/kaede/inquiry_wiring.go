package main

import (
	"context"

	"kaede/internal/incident"
)

// publicIncidentTitle names an incident for the store's contact form (the
// notice's "お問い合わせ" link, /contact?incident=ID) by the title of its
// public notice in the page's language. An incident the shop has not
// announced (no notice, or a draft) is NotFound, so that the form tells
// no one of it; a withdrawn notice still names its incident, since
// customers may still write about it.
func publicIncidentTitle(n *incident.Notices) func(context.Context, int64, string) (string, error) {
	return func(ctx context.Context, id int64, lang string) (string, error) {
		no, err := n.Public(ctx, id)
		if err != nil {
			return "", err
		}
		return no.Live.Title(lang), nil
	}
}

// staffIncidentTitle names an incident on the admin's inquiry pages by its
// own title, announced or not: staff link a phone call to it by hand.
func staffIncidentTitle(n *incident.Notices) func(context.Context, int64, string) (string, error) {
	return func(ctx context.Context, id int64, _ string) (string, error) {
		i, err := n.Incident(ctx, id)
		if err != nil {
			return "", err
		}
		return i.Title, nil
	}
}
