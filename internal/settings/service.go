package settings

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// Service is the shop's settings as the store and the admin use them.
// cmd/kaede builds one and gives it to both, so that a change saved in the
// admin clears the one cache and the store shows it at once. Every page
// shows the shop's name and contact details and settings change a few
// times a year, so reads are cached for a short time; a change saved by
// another instance on the same PostgreSQL clears it too, through the
// database's change notifications (db.Announce), within milliseconds.
type Service struct {
	db    *db.DB
	clock shop.Clock
	ttl   time.Duration

	mu      sync.Mutex
	value   Settings
	expires time.Time
	// gen counts saves, so that a read that began before a save cannot
	// put the old settings back into the cache after it.
	gen uint64
}

// changeTopic is what a save announces to every instance's cache.
const changeTopic = "settings"

// NewService returns the settings on d, cached for ttl or until a save
// anywhere on d.
func NewService(d *db.DB, clock shop.Clock, ttl time.Duration) *Service {
	s := &Service{db: d, clock: clock, ttl: ttl}
	d.OnChange(s.forget, changeTopic)
	return s
}

// forget drops the cached settings, so that the next Get reads them.
func (s *Service) forget() {
	s.mu.Lock()
	s.expires = time.Time{}
	s.gen++
	s.mu.Unlock()
}

// Get returns the settings, from the cache while they are fresh.
func (s *Service) Get(ctx context.Context) (Settings, error) {
	now := s.clock()
	s.mu.Lock()
	if now.Before(s.expires) {
		v := s.value
		s.mu.Unlock()
		return v, nil
	}
	gen := s.gen
	s.mu.Unlock()
	v, err := Load(ctx, s.db)
	if err != nil {
		return Settings{}, err
	}
	s.mu.Lock()
	if gen == s.gen {
		s.value, s.expires = v, now.Add(s.ttl)
	}
	s.mu.Unlock()
	return v, nil
}

// Save validates set and stores it with an audit entry ("settings.update",
// the settings before and after) in the same transaction, and announces
// it, so that the next Get, in the store or the admin of any instance,
// reads it. Bad
// settings are an Invalid error naming every bad field, and change
// nothing.
func (s *Service) Save(ctx context.Context, set Settings, by audit.Actor) error {
	if err := set.Validate(); err != nil {
		return err
	}
	now := s.clock()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		before, err := load(ctx, tx)
		if err != nil {
			return err
		}
		if err := Save(ctx, tx, set, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, by, "settings.update", "settings:shop", before, set); err != nil {
			return err
		}
		return s.db.Announce(ctx, tx, changeTopic)
	})
}
