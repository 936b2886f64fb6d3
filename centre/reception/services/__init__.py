"""Reception's services, one module per subject: visits, incidents, handover, quick view,
and its rows on a person's pathway."""
