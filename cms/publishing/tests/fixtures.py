"""A small catalogue of two OPDs, two apps and five services (shared by publishing and links tests)."""

from catalogue import App, Catalogue, Category, LifeEvent, Opd, Service


def small_catalogue() -> Catalogue:
    catalogue = Catalogue()
    for data in (
        {
            "slug": "disdukcapil",
            "name": "Dinas Kependudukan dan Pencatatan Sipil",
            "short_name": "Disdukcapil",
            "kind": "dinas",
            "address": "Jl. Basuki Rahmat No. 78",
        },
        {
            "slug": "dpmptsp",
            "name": "Dinas Penanaman Modal dan PTSP",
            "short_name": "DPMPTSP",
            "kind": "dinas",
            "address": "Jl. Dahlia No. 1",
        },
    ):
        catalogue.add(Opd.from_dict(data), f"opds/{data['slug']}.json")
    for data in (
        {
            "slug": "dafduk-online",
            "name": "Dafduk Online",
            "opd": "disdukcapil",
            "base_url": "https://dafduk.samarindakota.go.id",
            "platforms": ["web"],
        },
        {
            "slug": "sicantik",
            "name": "SiCantik",
            "opd": "dpmptsp",
            "base_url": "https://sicantik.samarindakota.go.id",
            "platforms": ["web"],
        },
    ):
        catalogue.add(App.from_dict(data), f"apps/{data['slug']}.json")
    catalogue.add(Category.from_dict({"slug": "kependudukan", "name": "Kependudukan"}), "categories/k.json")
    catalogue.add(Category.from_dict({"slug": "perizinan", "name": "Perizinan"}), "categories/p.json")
    catalogue.add(LifeEvent.from_dict({"slug": "kelahiran", "name": "Kelahiran"}), "life-events/k.json")
    services = [
        ("ktp-el-pemula", "Penerbitan KTP-el Pemula", "disdukcapil", "dafduk-online", "kependudukan"),
        ("kartu-keluarga", "Penerbitan Kartu Keluarga", "disdukcapil", "dafduk-online", "kependudukan"),
        ("akta-kelahiran", "Akta Kelahiran", "disdukcapil", None, "kependudukan"),
        ("pbg", "Persetujuan Bangunan Gedung", "dpmptsp", "sicantik", "perizinan"),
        ("nib", "Nomor Induk Berusaha", "dpmptsp", "sicantik", "perizinan"),
    ]
    for sid, title, opd, app, category in services:
        base = catalogue.apps[app].base_url if app else None
        catalogue.add(
            Service.from_dict(
                {
                    "id": sid,
                    "title": title,
                    "summary": f"Ringkasan {title}.",
                    "description": f"<p>Uraian {title}.</p>",
                    "opd": opd,
                    "app": app,
                    "deep_link": f"{base}/layanan/{sid}" if app else None,
                    "requirements": ["KTP asli", "Kartu Keluarga"],
                    "steps": ["Ajukan permohonan", "Ambil dokumen"],
                    "duration": "3 hari kerja",
                    "cost": "Gratis",
                    "output": title,
                    "complaints": "SP4N-LAPOR!",
                    "channels": ["online", f"Kantor {opd}"] if app else [f"Kantor {opd}"],
                    "categories": [category],
                    "life_events": ["kelahiran"] if sid == "akta-kelahiran" else [],
                }
            ),
            f"services/{sid}.json",
        )
    return catalogue
