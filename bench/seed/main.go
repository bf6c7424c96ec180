// Command seed fills a Runway server with demo companies through the REST API,
// as a client would: it logs in, then POSTs N companies to /data/companies
// from a bounded number of concurrent clients, printing progress and the rate.
// It writes the token and a random sample of the created ids for the wrk
// scripts of the load benchmark (see bench/README.md).
//
//	go run ./bench/seed -api http://127.0.0.1:18181/dev/runtime/api -password P -n 100000
//
// Every body is derived from its index, so two runs with the same -n create the
// same companies (ids and timestamps aside).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	var (
		api       = flag.String("api", "http://127.0.0.1:18181/dev/runtime/api", "base URL of the API (loopback only)")
		email     = flag.String("email", "admin@localhost", "login email")
		password  = flag.String("password", os.Getenv("RUNWAY_ADMIN_PASSWORD"), "login password (default $RUNWAY_ADMIN_PASSWORD)")
		n         = flag.Int("n", 100000, "number of companies to create")
		clients   = flag.Int("c", 8, "concurrent clients")
		sample    = flag.Int("sample", 2000, "number of created ids to write to -ids (a uniform random sample)")
		idsPath   = flag.String("ids", "bench/out/ids.txt", "file for the sampled ids, one a line")
		tokenPath = flag.String("token", "bench/out/token", "file for the login token")
		maxErrors = flag.Int("max-errors", 100, "stop after this many failed creates")
		timeout   = flag.Duration("timeout", 30*time.Minute, "give up after this long")
		every     = flag.Duration("progress", 5*time.Second, "progress interval")
	)
	flag.Parse()
	if err := checkLoopback(*api); err != nil {
		fatal(err)
	}
	if *n < 0 || *clients < 1 {
		fatal(errors.New("-n must be >= 0 and -c >= 1"))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        *clients,
			MaxIdleConnsPerHost: *clients,
			IdleConnTimeout:     30 * time.Second,
		},
	}
	token, err := login(ctx, client, *api, *email, *password)
	if err != nil {
		fatal(err)
	}
	if err := os.WriteFile(*tokenPath, []byte(token+"\n"), 0o600); err != nil {
		fatal(err)
	}

	s := &seeder{
		client: client,
		url:    strings.TrimSuffix(*api, "/") + "/data/companies",
		token:  token,
		res:    newReservoir(*sample),
	}
	fmt.Printf("seeding %d companies with %d clients into %s\n", *n, *clients, s.url)
	start := time.Now()
	done := make(chan struct{})
	go s.progress(done, *n, start, *every)

	work := make(chan int)
	var wg sync.WaitGroup
	for range *clients {
		wg.Go(func() {
			for i := range work {
				if err := s.create(ctx, i); err != nil {
					if s.failed.Add(1) <= 5 {
						fmt.Fprintf(os.Stderr, "seed: company %d: %v\n", i, err)
					}
					if s.failed.Load() >= int64(*maxErrors) {
						cancel()
					}
				}
			}
		})
	}
feed:
	for i := range *n {
		select {
		case work <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(done)
	elapsed := time.Since(start)

	created, failed := s.created.Load(), s.failed.Load()
	fmt.Printf("seeded %d companies in %.1f s: %.0f creates/s with %d clients; %d failed\n",
		created, elapsed.Seconds(), float64(created)/elapsed.Seconds(), *clients, failed)
	if len(s.statuses) > 0 {
		fmt.Printf("failed answers by status: %v\n", s.statuses)
	}
	if err := s.res.write(*idsPath); err != nil {
		fatal(err)
	}
	fmt.Printf("wrote %d sampled ids to %s\n", len(s.res.ids), *idsPath)
	if failed > 0 || created < int64(*n) {
		os.Exit(1)
	}
}

type seeder struct {
	client *http.Client
	url    string
	token  string
	res    *reservoir

	created, failed atomic.Int64
	mu              sync.Mutex
	statuses        map[int]int // failed answers by HTTP status
}

// create POSTs company i and records its id.
func (s *seeder) create(ctx context.Context, i int) error {
	body, err := json.Marshal(company(i))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("token", s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		s.mu.Lock()
		if s.statuses == nil {
			s.statuses = map[int]int{}
		}
		s.statuses[resp.StatusCode]++
		s.mu.Unlock()
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, answer)
	}
	var rec struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(answer, &rec); err != nil || rec.ID == "" {
		return fmt.Errorf("answer without id: %.300s", answer)
	}
	s.res.add(rec.ID)
	s.created.Add(1)
	return nil
}

func (s *seeder) progress(done <-chan struct{}, n int, start time.Time, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var last int64
	lastAt := start
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			c := s.created.Load()
			fmt.Printf("  %7d/%d (%3.0f%%)  %6.0f creates/s now, %6.0f overall, %d failed\n",
				c, n, 100*float64(c)/float64(max(n, 1)),
				float64(c-last)/now.Sub(lastAt).Seconds(), float64(c)/now.Sub(start).Seconds(), s.failed.Load())
			last, lastAt = c, now
		}
	}
}

func login(ctx context.Context, client *http.Client, api, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(api, "/")+"/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("login: status %d: %s", resp.StatusCode, answer)
	}
	var res struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(answer, &res); err != nil || res.Token == "" {
		return "", fmt.Errorf("login: answer without token: %s", answer)
	}
	return res.Token, nil
}

// checkLoopback refuses any host that is not a loopback address.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-api %s: only loopback addresses are allowed", raw)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "seed:", err)
	os.Exit(1)
}

// reservoir keeps a uniform random sample of the ids seen (algorithm R).
type reservoir struct {
	mu   sync.Mutex
	size int
	seen int
	ids  []string
	rnd  *rand.Rand
}

func newReservoir(size int) *reservoir {
	return &reservoir{size: size, rnd: rand.New(rand.NewPCG(1, 2))}
}

func (r *reservoir) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	if len(r.ids) < r.size {
		r.ids = append(r.ids, id)
		return
	}
	if j := r.rnd.IntN(r.seen); j < r.size {
		r.ids[j] = id
	}
}

func (r *reservoir) write(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rnd.Shuffle(len(r.ids), func(i, j int) { r.ids[i], r.ids[j] = r.ids[j], r.ids[i] })
	var b strings.Builder
	for _, id := range r.ids {
		b.WriteString(id)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// Company is the body of one created company. Optional parts are left out
// (omitempty) on some records so that the stored documents vary in shape as
// well as in values.
type Company struct {
	Name               string       `json:"name"`
	State              string       `json:"state"`
	Type               string       `json:"type"`
	NumberOfEmployees  int          `json:"numberOfEmployees"`
	IsCustomer         bool         `json:"isCustomer"`
	ContactInformation *ContactInfo `json:"contactInformation,omitempty"`
	Addresses          []Address    `json:"addresses"`
	Homepage           string       `json:"homepage,omitempty"`
	TaxID              string       `json:"taxId"`
	Rating             string       `json:"rating"`
	Notes              string       `json:"notes,omitempty"`
	LastMeeting        string       `json:"lastMeeting,omitempty"`
}

type ContactInfo struct {
	PhoneNumber string `json:"phoneNumber"`
	Email       string `json:"email"`
}

type Address struct {
	AddressLine string `json:"addressLine"`
	ZipCode     string `json:"zipCode"`
	City        string `json:"city"`
	State       string `json:"state"`
}

var (
	prefixes = []string{"Browse", "Skip", "Jabber", "Twitter", "Quimba", "Fliptune", "Yodel", "Zoom", "Blog", "Lazz",
		"Mydo", "Topic", "Voonix", "Wiki", "Dabfeed", "Trunyx", "Oyoyo", "Eidel", "Photo", "Rhyno", "Kwimbee", "Tagtune"}
	suffixes = []string{"zoom", "fire", "bean", "works", "bridge", "loop", "sphere", "tag", "feed", "pad",
		"jam", "cast", "dog", "verse", "link", "wire", "box", "mix"}
	forms   = []string{"Inc.", "LLC", "Ltd.", "Group", "GmbH", "S.A.", "Partners", "Labs"}
	states  = []string{"active", "active", "active", "pending", "inactive"}
	kinds   = []string{"a", "b", "c"}
	streets = []string{"Magdeline Place", "Sundown Lane", "Oak Valley Road", "Pleasure Park", "Mockingbird Trail",
		"Lakeland Crossing", "Hanson Alley", "Fordem Hill", "Eagan Street", "Buhler Junction"}
	cities = []struct{ city, state, zip string }{
		{"Las Vegas", "NV", "891"}, {"Austin", "TX", "787"}, {"Denver", "CO", "802"}, {"Portland", "OR", "972"},
		{"Boston", "MA", "021"}, {"Chicago", "IL", "606"}, {"Seattle", "WA", "981"}, {"Atlanta", "GA", "303"},
		{"Phoenix", "AZ", "850"}, {"Miami", "FL", "331"},
	}
	notes = []string{
		"Met at the regional trade fair; interested in the premium plan.",
		"Renewal due next quarter. Ask about the number of seats.",
		"Prefers email over phone. Procurement needs three quotes.",
		"Former customer, churned after the price change; check in twice a year.",
		"Pilot with two teams running since spring.",
	}
	meetingBase = time.Date(2023, 1, 1, 9, 0, 0, 0, time.UTC)
)

// company is the deterministic body of company i; its name is unique because
// it ends with i.
func company(i int) Company {
	r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	word := prefixes[r.IntN(len(prefixes))] + suffixes[r.IntN(len(suffixes))]
	c := Company{
		Name:              fmt.Sprintf("%s %s %06d", word, forms[r.IntN(len(forms))], i),
		State:             states[r.IntN(len(states))],
		Type:              kinds[r.IntN(len(kinds))],
		NumberOfEmployees: 1 + r.IntN(5000),
		IsCustomer:        r.IntN(3) == 0,
		TaxID: fmt.Sprintf("%03d-%c%c%c", r.IntN(1000),
			'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26))),
		Rating: fmt.Sprintf("%d.%02d", r.IntN(5), r.IntN(100)),
	}
	domain := strings.ToLower(word) + fmt.Sprintf("%d", i) + ".example.com"
	if r.IntN(10) != 0 {
		c.ContactInformation = &ContactInfo{
			PhoneNumber: fmt.Sprintf("+1 (%03d) 555-%04d", 200+r.IntN(800), r.IntN(10000)),
			Email:       "info@" + domain,
		}
	}
	for range 1 + r.IntN(2) {
		city := cities[r.IntN(len(cities))]
		c.Addresses = append(c.Addresses, Address{
			AddressLine: fmt.Sprintf("%d %s", 1+r.IntN(999), streets[r.IntN(len(streets))]),
			ZipCode:     fmt.Sprintf("%s%02d", city.zip, r.IntN(100)),
			City:        city.city,
			State:       city.state,
		})
	}
	if r.IntN(4) != 0 {
		c.Homepage = "https://www." + domain
	}
	if r.IntN(2) == 0 {
		c.Notes = notes[r.IntN(len(notes))]
	}
	if r.IntN(5) != 0 {
		c.LastMeeting = meetingBase.Add(time.Duration(r.IntN(700*24)) * time.Hour).Format(time.RFC3339)
	}
	return c
}
