package notify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// memStore is an in-memory Store with the same conditional-write rules as
// the bucket, for fast unit tests; the outbox scenarios also run against a
// real MinIO (outbox_test.go).
type memStore struct {
	mu    sync.Mutex
	objs  map[string]memObj
	seq   int
	clock func() time.Time
}

type memObj struct {
	data []byte
	etag string
	mod  time.Time
}

func newMemStore(clock func() time.Time) *memStore {
	return &memStore{objs: map[string]memObj{}, clock: clock}
}

func (m *memStore) PutNotification(_ context.Context, id string, data []byte, ifETag string) (string, error) {
	if _, err := storage.NotificationKey(id); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.objs[id]
	if (ifETag == "" && ok) || (ifETag != "" && (!ok || cur.etag != ifETag)) {
		return "", &storage.Error{Op: "put notification", Key: id, Kind: storage.ErrConflict}
	}
	m.seq++
	etag := fmt.Sprintf("e%d", m.seq)
	m.objs[id] = memObj{data: append([]byte(nil), data...), etag: etag, mod: m.clock().Add(time.Duration(m.seq))}
	return etag, nil
}

func (m *memStore) GetNotification(_ context.Context, id string) ([]byte, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.objs[id]
	if !ok {
		return nil, "", &storage.Error{Op: "get notification", Key: id, Kind: storage.ErrNotFound}
	}
	return o.data, o.etag, nil
}

func (m *memStore) ListNotifications(_ context.Context, limit int) ([]storage.NotificationInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []storage.NotificationInfo
	for id, o := range m.objs {
		out = append(out, storage.NotificationInfo{ID: id, Modified: o.mod})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Modified.Equal(out[j].Modified) {
			return out[i].Modified.After(out[j].Modified)
		}
		return strings.Compare(out[i].ID, out[j].ID) < 0
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) DeleteNotification(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, id)
	return nil
}
