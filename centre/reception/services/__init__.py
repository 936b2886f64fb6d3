"""Reception's services, one module per subject: visits, incidents, handover, quick view."""
