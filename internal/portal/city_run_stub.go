package portal

import (
	"context"
	"errors"
)

// RunCity serves the city's portal until ctx ends. Temporary stand-in
// until the city portal server lands (to be deleted at merge).
func RunCity(ctx context.Context, o Options) error { return errors.New("not yet") }
