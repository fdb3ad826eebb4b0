package member_test

import (
	"context"
	"testing"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
	"kaede/internal/shop"
)

func homeAddress() shop.Address {
	return shop.Address{Name: "山田 太郎", NameKana: "やまだ たろう", PostalCode: "１００－０００１",
		Prefecture: 13, City: "千代田区", Line1: "千代田1-1", Phone: "03-1234-5678"}
}

func addressIDs(as []member.Address) []int64 {
	var ids []int64
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestAddresses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		other := register(t, s, "jiro@example.jp")

		if _, err := s.DefaultAddress(ctx, m.ID); shop.ErrorCode(err) != shop.NotFound {
			t.Fatalf("default of empty book: err=%v, want not found", err)
		}
		home, err := s.AddAddress(ctx, m.ID, homeAddress(), false)
		if err != nil {
			t.Fatal(err)
		}
		if !home.Default || home.PostalCode != "100-0001" || home.NameKana != "ヤマダ タロウ" || home.MemberID != m.ID {
			t.Fatalf("first address %+v: want default and normalised", home)
		}
		clinicAddr := homeAddress()
		clinicAddr.Name, clinicAddr.Line2 = "山田鍼灸院", "楓ビル2階"
		clinic, err := s.AddAddress(ctx, m.ID, clinicAddr, false)
		if err != nil {
			t.Fatal(err)
		}
		if clinic.Default {
			t.Fatal("second address became the default without asking")
		}
		third, err := s.AddAddress(ctx, m.ID, homeAddress(), true)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.ListAddresses(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := addressIDs(list), []int64{third.ID, home.ID, clinic.ID}; !equalIDs(got, want) {
			t.Fatalf("list=%v, want %v (default first)", got, want)
		}
		if list[1].Default || list[2].Default {
			t.Fatal("more than one default")
		}

		// Another member's address is not found, for deleting or choosing.
		otherAddr, err := s.AddAddress(ctx, other.ID, homeAddress(), false)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteAddress(ctx, m.ID, otherAddr.ID), shop.NotFound)
		wantCode(t, s.SetDefaultAddress(ctx, m.ID, otherAddr.ID), shop.NotFound)
		wantCode(t, s.DeleteAddress(ctx, m.ID, 999999), shop.NotFound)
		if l, _ := s.ListAddresses(ctx, other.ID); len(l) != 1 {
			t.Fatalf("other member has %d addresses, want 1", len(l))
		}

		if err := s.SetDefaultAddress(ctx, m.ID, clinic.ID); err != nil {
			t.Fatal(err)
		}
		def, err := s.DefaultAddress(ctx, m.ID)
		if err != nil || def.ID != clinic.ID || def.Line2 != "楓ビル2階" {
			t.Fatalf("default=%+v, %v; want the clinic", def, err)
		}
		// Deleting the default promotes the newest remaining address.
		if err := s.DeleteAddress(ctx, m.ID, clinic.ID); err != nil {
			t.Fatal(err)
		}
		def, err = s.DefaultAddress(ctx, m.ID)
		if err != nil || def.ID != third.ID {
			t.Fatalf("default after delete=%+v, %v; want %d", def, err, third.ID)
		}
	})
}

func TestAddAddressValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		bad := homeAddress()
		bad.PostalCode, bad.Prefecture, bad.City = "12", 48, ""
		_, err := s.AddAddress(ctx, m.ID, bad, false)
		wantField(t, err, "postal_code", shop.ReasonFormat)
		wantField(t, err, "prefecture", shop.ReasonChoice)
		wantField(t, err, "city", shop.ReasonRequired)
		_, err = s.AddAddress(ctx, m.ID+100, homeAddress(), false)
		wantCode(t, err, shop.NotFound)
	})
}

func TestAddressLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := newService(t, d)
		m := register(t, s, "taro@example.jp")
		for i := 0; i < 20; i++ {
			if _, err := s.AddAddress(ctx, m.ID, homeAddress(), false); err != nil {
				t.Fatalf("address %d: %v", i+1, err)
			}
		}
		_, err := s.AddAddress(ctx, m.ID, homeAddress(), false)
		wantCode(t, err, shop.Conflict)
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
