package admin

import (
	"bytes"
	"fmt"
	"net/http"

	"kaede/internal/edge"
	"kaede/internal/incident"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// incidentReportRoutes are the drafts of the reports to the Personal
// Information Protection Commission: the draft of each kind, filled from
// the record and edited by staff (each save a version), and its PDF.
// Filing itself happens on the PPC's online form; staff record it on the
// incident's timeline, which the page offers.
func (s *Server) incidentReportRoutes(mux *http.ServeMux) {
	if s.incidents == nil {
		return
	}
	mux.Handle("GET "+Prefix+"incidents/{id}/reports/{kind}", s.can(staff.SecurityRead, s.incidentReportPage))
	mux.Handle("POST "+Prefix+"incidents/{id}/reports/{kind}", s.fresh(staff.SecurityManage, s.incidentReportSave))
	mux.Handle("GET "+Prefix+"incidents/{id}/reports/{kind}/pdf", s.can(staff.SecurityRead, s.incidentReportPDF))
}

type incidentReportView struct {
	Incident  incident.Incident
	Kind      incident.ReportKind
	Report    incident.Report
	Items     []incident.ReportItem
	Deadline  deadlineRow
	CanManage bool
	Saved     bool
	Today     string
	Now       string
}

// reportPath reads the incident's ID and the report's kind from the path.
func reportPath(r *http.Request) (int64, incident.ReportKind, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return 0, "", err
	}
	kind := incident.ReportKind(r.PathValue("kind"))
	if !kind.Valid() {
		return 0, "", shop.Errorf(shop.NotFound, "no such report")
	}
	return id, kind, nil
}

func (s *Server) incidentReportView(r *http.Request, id int64, kind incident.ReportKind) (incidentReportView, error) {
	ctx, lang, now := r.Context(), info(r).Lang, s.now()
	inc, err := s.incidents.Get(ctx, id)
	if err != nil {
		return incidentReportView{}, err
	}
	rep, err := s.incidents.Report(ctx, id, kind)
	if err != nil {
		return incidentReportView{}, err
	}
	view := incidentReportView{Incident: inc, Kind: kind, Report: rep, Items: rep.Items.List(),
		CanManage: s.actor(r).Role.Can(staff.SecurityManage),
		Today:     now.In(shop.JST).Format("2006-01-02"), Now: now.In(shop.JST).Format("15:04")}
	ds, err := s.incidents.Deadlines(ctx, inc)
	if err != nil {
		return incidentReportView{}, err
	}
	for _, d := range ds {
		if d.Code == kind.Code() {
			view.Deadline = newDeadlineRow(d, lang, now)
		}
	}
	return view, nil
}

func (s *Server) incidentReportPage(w http.ResponseWriter, r *http.Request) {
	id, kind, err := reportPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view, err := s.incidentReportView(r, id, kind)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Saved = r.URL.Query().Get("done") == "saved"
	s.render(w, r, http.StatusOK, "incident_report", view)
}

// incidentReportSave stores the edited items as the draft's next version.
func (s *Server) incidentReportSave(w http.ResponseWriter, r *http.Request) {
	id, kind, err := reportPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	var items incident.ReportItems
	for _, it := range items.List() {
		items.Set(it.Field, f.Raw(it.Field))
	}
	if _, err := s.incidents.SaveReport(r.Context(), id, kind, items, s.actor(r).Actor); err != nil {
		view, verr := s.incidentReportView(r, id, kind)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		view.Items = items.List()
		s.incidentFormError(w, r, "incident_report", view, err, nil, "")
		return
	}
	http.Redirect(w, r, fmt.Sprintf("%sincidents/%d/reports/%s?done=saved", Prefix, id, kind), http.StatusSeeOther)
}

// incidentReportPDF is the draft printed, for the filer beside the PPC's
// online form.
func (s *Server) incidentReportPDF(w http.ResponseWriter, r *http.Request) {
	id, kind, err := reportPath(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := s.incidents.ReportPDF(r.Context(), id, kind, &b); err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", fmt.Sprintf("incident-%d-ppc-%s.pdf", id, kind), b.Bytes())
}
