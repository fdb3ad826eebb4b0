package settings

import (
	"context"
	"sync"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Cache keeps the loaded settings for a short time: every page shows the
// shop's name and contact details, and settings change a few times a year.
// A change saved by another instance shows within the TTL; one saved here
// shows at once after Invalidate.
type Cache struct {
	db    *db.DB
	clock shop.Clock
	ttl   time.Duration

	mu      sync.Mutex
	value   Settings
	expires time.Time
}

// NewCache returns a cache of d's settings that keeps them for ttl.
func NewCache(d *db.DB, clock shop.Clock, ttl time.Duration) *Cache {
	return &Cache{db: d, clock: clock, ttl: ttl}
}

// Load returns the settings, from the cache while they are fresh.
func (c *Cache) Load(ctx context.Context) (Settings, error) {
	now := c.clock()
	c.mu.Lock()
	if now.Before(c.expires) {
		v := c.value
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := Load(ctx, c.db)
	if err != nil {
		return Settings{}, err
	}
	c.mu.Lock()
	c.value, c.expires = v, now.Add(c.ttl)
	c.mu.Unlock()
	return v, nil
}

// Invalidate makes the next Load read the database.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.expires = time.Time{}
	c.mu.Unlock()
}
