"""The demo world that `manage.py seed_demo` builds: agencies in the three Indonesian time
zones, their services, staff for every role, fictional citizens and complaint texts.

Every person, e-mail address, telephone and NIK here is invented; e-mail addresses use the
reserved `.example` domain so that a demo outbox can never reach a real mailbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.states import Role

# One password for every demo account, printed by the command. Never use it outside a demo.
DEMO_PASSWORD = "aduan-demo-2026"
# The random seed that fixes who complains about what, when and how each case ends.
DEMO_SEED = 2026
# Standards in force from this day, so that complaints of the past weeks pin version 1.
STANDARD_EFFECTIVE_FROM = dt.date(2025, 1, 1)
EMAIL_DOMAIN = "demo.aduan.example"


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    time_zone: str
    city: str
    units: tuple[tuple[str, str], ...]
    working_weekdays: str = "12345"
    office_opens: dt.time = dt.time(7, 30)
    office_closes: dt.time = dt.time(16, 0)
    cuti_bersama_is_working: bool = False
    closed_days: tuple[tuple[dt.date, str], ...] = ()
    centre: tuple[float, float] = (0.0, 0.0)  # latitude, longitude of the city


AGENCIES = (
    AgencySpec(
        "disdukcapil-bandung", "Dinas Kependudukan dan Pencatatan Sipil Kota Bandung",
        "Asia/Jakarta", "bandung",
        units=(("disdukcapil-bandung-dafduk", "Bidang Pelayanan Pendaftaran Penduduk"),
               ("disdukcapil-bandung-capil", "Bidang Pelayanan Pencatatan Sipil")),
        centre=(-6.9147, 107.6098),
    ),
    AgencySpec(
        "dishub-bandung", "Dinas Perhubungan Kota Bandung", "Asia/Jakarta", "bandung",
        units=(("dishub-bandung-parkir", "UPT Pengelolaan Perparkiran"),),
        centre=(-6.9175, 107.6191),
    ),
    # A front-line hospital: open on Saturdays and on cuti bersama days.
    AgencySpec(
        "rsud-daya-makassar", "RSUD Daya Kota Makassar", "Asia/Makassar", "makassar",
        units=(("rsud-daya-rawat-jalan", "Instalasi Rawat Jalan"),
               ("rsud-daya-igd", "Instalasi Gawat Darurat")),
        working_weekdays="123456", office_opens=dt.time(7, 30), office_closes=dt.time(14, 30),
        cuti_bersama_is_working=True, centre=(-5.1069, 119.5126),
    ),
    AgencySpec(
        "dishub-jayapura", "Dinas Perhubungan Kota Jayapura", "Asia/Jayapura", "jayapura",
        units=(("dishub-jayapura-lalu-lintas", "Bidang Lalu Lintas dan Angkutan"),
               ("dishub-jayapura-pengujian", "UPTD Pengujian Kendaraan Bermotor")),
        # A regional holiday of Tanah Papua, kept by the agency as its own day off.
        closed_days=tuple(
            (dt.date(year, 2, 5), "Hari Pekabaran Injil di Tanah Papua (libur daerah)")
            for year in (2025, 2026, 2027)
        ),
        centre=(-2.5337, 140.7181),
    ),
)


@dataclass(frozen=True)
class ServiceSpec:
    agency: str
    code: str
    name: str
    unit: str  # the unit that handles its complaints
    group: str
    keywords: str
    description: str
    summary: str
    response: str  # what the officer typically answers


SERVICES = (
    ServiceSpec(
        "disdukcapil-bandung", "bdg-ktp-el", "Penerbitan KTP Elektronik",
        "disdukcapil-bandung-dafduk", "Pendaftaran Penduduk", "ktp, ktp-el, e-ktp, perekaman",
        "Perekaman data biometrik dan pencetakan Kartu Tanda Penduduk elektronik.",
        "Persyaratan: fotokopi Kartu Keluarga; telah berusia 17 tahun, sudah kawin atau pernah "
        "kawin. Prosedur: perekaman sidik jari, iris dan foto di kecamatan atau Mal Pelayanan "
        "Publik, lalu pencetakan setelah data terverifikasi. Jangka waktu: paling lama 14 hari "
        "kerja sejak perekaman. Biaya: tidak dipungut biaya.",
        "KTP-el Bapak/Ibu sudah kami cetak dan dapat diambil di loket kecamatan dengan "
        "membawa bukti perekaman. Terima kasih atas laporannya.",
    ),
    ServiceSpec(
        "disdukcapil-bandung", "bdg-kartu-keluarga", "Penerbitan dan Perubahan Kartu Keluarga",
        "disdukcapil-bandung-dafduk", "Pendaftaran Penduduk", "kk, kartu keluarga, pindah",
        "Penerbitan Kartu Keluarga baru, penambahan atau pengurangan anggota keluarga, "
        "perubahan data karena pindah datang, perkawinan atau perceraian.",
        "Persyaratan: KK lama, surat pengantar RT/RW, dokumen peristiwa (akta, buku nikah, "
        "surat keterangan pindah). Prosedur: permohonan di kelurahan atau daring, verifikasi, "
        "KK dikirim dalam bentuk berkas PDF bertanda tangan elektronik. Jangka waktu: 3 hari "
        "kerja. Biaya: tidak dipungut biaya.",
        "Perubahan data Kartu Keluarga sudah kami proses. KK baru telah dikirim ke alamat "
        "surel yang terdaftar dan dapat dicetak sendiri di kertas HVS A4.",
    ),
    ServiceSpec(
        "disdukcapil-bandung", "bdg-akta-kelahiran", "Penerbitan Akta Kelahiran",
        "disdukcapil-bandung-capil", "Pencatatan Sipil", "akta, kelahiran, bayi",
        "Pencatatan kelahiran dan penerbitan kutipan akta kelahiran.",
        "Persyaratan: surat keterangan lahir dari fasilitas kesehatan, KK, KTP-el orang tua, "
        "buku nikah atau SPTJM kebenaran pasangan suami istri. Jangka waktu: 1 hari kerja "
        "setelah berkas lengkap. Biaya: tidak dipungut biaya.",
        "Akta kelahiran sudah terbit dan dikirim ke alamat surel pemohon. Mohon maaf atas "
        "keterlambatannya.",
    ),
    ServiceSpec(
        "dishub-bandung", "bdg-parkir", "Parkir Tepi Jalan Umum",
        "dishub-bandung-parkir", "Perparkiran", "parkir, juru parkir, tarif, derek",
        "Pengelolaan parkir di tepi jalan umum: tarif, juru parkir resmi, mesin parkir.",
        "Tarif resmi sesuai peraturan daerah, dibayar dengan karcis atau mesin parkir "
        "elektronik. Juru parkir resmi memakai rompi dan kartu identitas dari Dinas "
        "Perhubungan. Pengaduan ditindaklanjuti dengan pemeriksaan lapangan.",
        "Petugas kami sudah melakukan pemeriksaan lapangan dan menertibkan juru parkir di "
        "lokasi tersebut. Terima kasih atas laporannya.",
    ),
    ServiceSpec(
        "rsud-daya-makassar", "mks-rawat-jalan", "Pelayanan Rawat Jalan (Poliklinik)",
        "rsud-daya-rawat-jalan", "Pelayanan Medis", "poliklinik, dokter, antrean, bpjs, obat",
        "Pemeriksaan dan pengobatan pasien rawat jalan di poliklinik spesialis.",
        "Persyaratan: kartu identitas, kartu BPJS Kesehatan atau pasien umum, surat rujukan "
        "dari FKTP bagi peserta BPJS. Jam pendaftaran: Senin–Sabtu 07.30–12.00 WITA. Biaya: "
        "sesuai tarif layanan BLUD; peserta BPJS tidak dipungut biaya tambahan.",
        "Kami sudah berkoordinasi dengan kepala instalasi rawat jalan dan menata ulang jadwal "
        "dokter serta alur antrean. Mohon maaf atas ketidaknyamanan yang dialami.",
    ),
    ServiceSpec(
        "rsud-daya-makassar", "mks-gawat-darurat", "Pelayanan Gawat Darurat 24 Jam",
        "rsud-daya-igd", "Pelayanan Medis", "igd, ugd, ambulans, darurat",
        "Penanganan pasien gawat darurat 24 jam dan layanan ambulans.",
        "Pasien gawat darurat dilayani tanpa syarat uang muka. Triase dilakukan paling lama "
        "5 menit setelah pasien tiba. Rujukan ke rumah sakit lain didampingi petugas bila "
        "tempat tidur penuh.",
        "Kasus ini sudah kami telaah bersama tim IGD dan petugas yang bertugas sudah "
        "dibina. Prosedur triase kami tegaskan kembali kepada seluruh petugas jaga.",
    ),
    ServiceSpec(
        "dishub-jayapura", "jpr-angkutan-kota", "Angkutan Kota dan Lalu Lintas",
        "dishub-jayapura-lalu-lintas", "Lalu Lintas dan Angkutan",
        "taksi, angkot, trayek, tarif, lampu lalu lintas, rambu",
        "Pengawasan angkutan kota (taksi) dan trayeknya, rambu dan lampu lalu lintas.",
        "Tarif angkutan kota ditetapkan Wali Kota dan wajib ditempel di kendaraan. Laporan "
        "pelanggaran trayek dan tarif ditindaklanjuti dengan pemeriksaan di terminal. "
        "Kerusakan lampu lalu lintas ditangani paling lama 3 hari kerja.",
        "Tim kami sudah turun ke lapangan, menegur pengemudi dan pemilik kendaraan yang "
        "bersangkutan, dan memperbaiki perlengkapan jalan yang rusak.",
    ),
    ServiceSpec(
        "dishub-jayapura", "jpr-uji-kir", "Pengujian Kendaraan Bermotor (Uji KIR)",
        "dishub-jayapura-pengujian", "Pengujian Kendaraan", "kir, uji berkala, blue, emisi",
        "Uji berkala kendaraan angkutan barang dan penumpang, penerbitan kartu BLUe.",
        "Persyaratan: STNK, bukti lulus uji sebelumnya, kendaraan dalam keadaan laik jalan. "
        "Prosedur: pendaftaran, pemeriksaan, penerbitan Bukti Lulus Uji elektronik (BLUe). "
        "Jangka waktu: selesai pada hari yang sama. Biaya: sesuai retribusi yang diumumkan "
        "di loket.",
        "Kartu BLUe sudah dicetak dan dapat diambil di loket UPTD. Alat uji yang rusak telah "
        "dikalibrasi ulang.",
    ),
)


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: Role
    agency: str | None  # agency or unit code; None for system-wide roles


STAFF = (
    StaffSpec("rina.marlina", "Rina", "Marlina", Role.COORDINATOR, "disdukcapil-bandung"),
    StaffSpec("asep.sunandar", "Asep", "Sunandar", Role.OFFICER, "disdukcapil-bandung-dafduk"),
    StaffSpec("dewi.kurniasih", "Dewi", "Kurniasih", Role.OFFICER, "disdukcapil-bandung-dafduk"),
    StaffSpec("yusuf.maulana", "Yusuf", "Maulana", Role.OFFICER, "disdukcapil-bandung-capil"),
    StaffSpec("hendra.gunawan", "Hendra", "Gunawan", Role.SUPERVISOR, "disdukcapil-bandung"),
    StaffSpec("ujang.supriatna", "Ujang", "Supriatna", Role.COORDINATOR, "dishub-bandung"),
    StaffSpec("neng.ratnasari", "Neng", "Ratnasari", Role.OFFICER, "dishub-bandung-parkir"),
    StaffSpec("dadan.hamdani", "Dadan", "Hamdani", Role.OFFICER, "dishub-bandung-parkir"),
    StaffSpec("iwan.setiawan", "Iwan", "Setiawan", Role.SUPERVISOR, "dishub-bandung"),
    StaffSpec("andi.nurhaliza", "Andi", "Nurhaliza", Role.COORDINATOR, "rsud-daya-makassar"),
    StaffSpec("muh.ilham", "Muhammad", "Ilham", Role.OFFICER, "rsud-daya-rawat-jalan"),
    StaffSpec("sitti.rahmawati", "Sitti", "Rahmawati", Role.OFFICER, "rsud-daya-rawat-jalan"),
    StaffSpec("fadli.syam", "Fadli", "Syam", Role.OFFICER, "rsud-daya-igd"),
    StaffSpec("syamsul.bahri", "Syamsul", "Bahri", Role.SUPERVISOR, "rsud-daya-makassar"),
    StaffSpec("yohanes.wanggai", "Yohanes", "Wanggai", Role.COORDINATOR, "dishub-jayapura"),
    StaffSpec("maria.rumbiak", "Maria", "Rumbiak", Role.OFFICER, "dishub-jayapura-lalu-lintas"),
    StaffSpec("obed.itaar", "Obed", "Itaar", Role.OFFICER, "dishub-jayapura-lalu-lintas"),
    StaffSpec("daniel.kogoya", "Daniel", "Kogoya", Role.OFFICER, "dishub-jayapura-pengujian"),
    StaffSpec("petrus.mayor", "Petrus", "Mayor", Role.SUPERVISOR, "dishub-jayapura"),
    StaffSpec("laras.wulandari", "Laras", "Wulandari", Role.OMBUDSMAN, None),
)
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class Citizen:
    name: str
    email: str
    phone: str
    id_number: str
    address: str


CITIZENS = {
    "bandung": (
        Citizen("Siti Rahayu", "siti.rahayu@mail.example", "081200000101", "3273014107880001",
                "Jl. Cikutra No. 12, Cibeunying Kidul, Bandung"),
        Citizen("Budi Santoso", "budi.santoso@mail.example", "081200000102", "",
                "Jl. Sukajadi No. 40, Bandung"),
        Citizen("Nur Aisyah", "nur.aisyah@mail.example", "081200000103", "3273025503910002",
                "Komplek Antapani Blok C3, Bandung"),
        Citizen("Wahyu Nugroho", "wahyu.nugroho@mail.example", "081200000104", "",
                "Jl. Cihampelas No. 88, Bandung"),
        Citizen("Kadek Ayu Lestari", "kadek.ayu@mail.example", "081200000105", "",
                "Jl. Dipatiukur No. 5, Coblong, Bandung"),
    ),
    "makassar": (
        Citizen("Muhammad Rizky", "m.rizky@mail.example", "081200000201", "7371021203850003",
                "Jl. Perintis Kemerdekaan Km 14, Tamalanrea, Makassar"),
        Citizen("Ratna Sari", "ratna.sari@mail.example", "081200000202", "",
                "Perumahan Bumi Daya Blok A, Biringkanaya, Makassar"),
        Citizen("Hasan Basri", "hasan.basri@mail.example", "081200000203", "",
                "Jl. Urip Sumoharjo No. 21, Makassar"),
        Citizen("Nurul Hidayah", "nurul.hidayah@mail.example", "081200000204", "",
                "Jl. Kapasa Raya, Tamalanrea, Makassar"),
    ),
    "jayapura": (
        Citizen("Fransiska Wenda", "fransiska.wenda@mail.example", "081200000301", "",
                "Jl. Raya Abepura, Jayapura"),
        Citizen("Theresia Mandowen", "theresia.m@mail.example", "081200000302",
                "9171034408900004", "Perumnas III Waena, Jayapura"),
        Citizen("Ahmad Fauzi", "ahmad.fauzi@mail.example", "081200000303", "",
                "Jl. Ahmad Yani, Jayapura Utara"),
        Citizen("Yakob Yoku", "yakob.yoku@mail.example", "081200000304", "",
                "Entrop, Jayapura Selatan"),
    ),
}


@dataclass(frozen=True)
class Text:
    title: str
    description: str
    location: str = ""


# What citizens complain about, per service. Complaints cycle through these in order.
TEXTS: dict[str, tuple[Text, ...]] = {
    "bdg-ktp-el": (
        Text("KTP-el belum dicetak setelah tiga bulan",
             "Saya sudah perekaman KTP-el di kecamatan tiga bulan lalu, tetapi statusnya masih "
             "'menunggu pencetakan'. Petugas kecamatan menyuruh saya bertanya ke Disdukcapil.",
             "Kecamatan Coblong"),
        Text("Kuota antrean perekaman KTP-el habis sebelum loket buka",
             "Setiap hari saya datang pukul 06.00 tetapi kuota antrean sudah habis. Mohon "
             "kuota ditambah atau antrean dibuka secara daring.",
             "Mal Pelayanan Publik Kota Bandung"),
        Text("Nama ibu kandung di KTP-el salah",
             "Nama ibu kandung saya tertulis berbeda dengan akta kelahiran. Permohonan "
             "perbaikan sudah diajukan dua minggu lalu tetapi belum ada kabar.",
             "Kelurahan Sukajadi"),
        Text("Ditawari jalur cepat pencetakan KTP-el berbayar",
             "Seseorang di sekitar kantor menawarkan pencetakan KTP-el dalam sehari dengan "
             "biaya Rp150.000. Bukankah layanan ini gratis?",
             "Kantor Disdukcapil Kota Bandung"),
        Text("Blanko KTP-el habis, hanya diberi surat keterangan",
             "Sudah dua kali saya diberi surat keterangan pengganti KTP-el karena blanko "
             "habis. Surat keterangan itu tidak diterima bank untuk membuka rekening.",
             "Kecamatan Antapani"),
        Text("Aplikasi antrean daring KTP-el galat",
             "Sejak Senin aplikasi antrean menampilkan pesan galat saat memilih jadwal, "
             "sehingga anak saya yang baru berusia 17 tahun belum bisa perekaman."),
    ),
    "bdg-kartu-keluarga": (
        Text("KK baru setelah pindah datang belum terbit",
             "Saya pindah dari Kabupaten Garut dan sudah menyerahkan surat keterangan pindah. "
             "Sudah tiga minggu KK baru belum terbit.", "Kecamatan Cibeunying Kidul"),
        Text("Kode QR di KK cetak mandiri tidak terbaca",
             "KK yang dikirim lewat surel saya cetak sendiri, tetapi kode QR-nya tidak bisa "
             "dipindai di kelurahan sehingga saya disuruh kembali ke Disdukcapil.",
             "Kelurahan Cihapit"),
        Text("Penambahan anak di KK ditolak tanpa penjelasan",
             "Permohonan penambahan anak kami yang baru lahir ditolak di aplikasi tanpa "
             "keterangan apa yang kurang."),
        Text("Status perkawinan di KK belum diperbarui",
             "Kami menikah enam bulan lalu dan sudah melampirkan buku nikah, tetapi status di "
             "KK masih 'belum kawin'.", "Kelurahan Cikutra"),
        Text("Petugas loket KK tidak ramah",
             "Petugas loket KK membentak ibu saya yang sudah lanjut usia karena berkasnya "
             "kurang satu lembar fotokopi.", "Kantor Disdukcapil Kota Bandung"),
        Text("Nomor antrean KK diperjualbelikan",
             "Di depan kantor ada orang yang menjual nomor antrean KK seharga Rp50.000.",
             "Kantor Disdukcapil Kota Bandung"),
    ),
    "bdg-akta-kelahiran": (
        Text("Akta kelahiran anak belum terbit",
             "Berkas akta kelahiran anak kami lengkap sejak tiga minggu lalu, tetapi akta "
             "belum juga terbit."),
        Text("Salah ketik nama anak di akta kelahiran",
             "Nama anak kami tertulis 'Muhamad' padahal di surat keterangan lahir 'Muhammad'. "
             "Kami minta dibetulkan tanpa harus mengulang dari awal."),
        Text("Persyaratan akta kelahiran berbeda di tiap loket",
             "Loket kelurahan meminta surat pengantar RT/RW, sedangkan loket Disdukcapil "
             "mengatakan tidak perlu. Mohon persyaratan diseragamkan.", "Kelurahan Antapani"),
        Text("Tidak bisa mengurus akta karena buku nikah hilang",
             "Buku nikah kami hilang saat pindahan. Petugas menolak SPTJM yang kami bawa."),
        Text("Permohonan akta daring ditolak tanpa alasan",
             "Sudah tiga kali permohonan akta kelahiran daring ditolak dengan keterangan "
             "'dokumen tidak valid' tanpa penjelasan dokumen mana."),
        Text("Layanan akta di rumah sakit bersalin tidak berjalan",
             "Dijanjikan akta kelahiran langsung diurus di rumah sakit bersalin, tetapi "
             "petugasnya tidak pernah datang.", "RSIA di Jl. Sunda"),
    ),
    "bdg-parkir": (
        Text("Juru parkir menarik tarif melebihi ketentuan",
             "Saya ditarik Rp5.000 untuk sepeda motor tanpa diberi karcis, padahal tarif "
             "resmi jauh lebih murah.", "Jl. Braga"),
        Text("Mesin parkir elektronik rusak",
             "Mesin parkir tidak menerima kartu uang elektronik sejak seminggu, tetapi juru "
             "parkir tetap meminta uang tunai.", "Jl. Ir. H. Juanda (Dago)"),
        Text("Parkir liar menutup trotoar",
             "Mobil diparkir di atas trotoar setiap akhir pekan sehingga pejalan kaki harus "
             "turun ke jalan.", "Jl. Cihampelas"),
        Text("Tidak diberi karcis parkir resmi",
             "Juru parkir di depan pertokoan tidak pernah memberi karcis dan menolak ketika "
             "diminta.", "Jl. Otto Iskandardinata"),
        Text("Kendaraan diderek tanpa rambu larangan",
             "Mobil saya diderek padahal tidak ada rambu larangan parkir yang terlihat.",
             "Jl. Merdeka"),
        Text("Juru parkir tanpa rompi dan kartu identitas",
             "Beberapa juru parkir tidak memakai rompi resmi dan tidak bisa menunjukkan kartu "
             "identitas.", "Jl. Buah Batu"),
    ),
    "mks-rawat-jalan": (
        Text("Antrean poliklinik penyakit dalam lebih dari lima jam",
             "Saya mendaftar pukul 07.30 dan baru diperiksa pukul 13.00. Tidak ada informasi "
             "kapan dokter datang.", "Poliklinik Penyakit Dalam"),
        Text("Dokter spesialis tidak datang sesuai jadwal",
             "Jadwal dokter spesialis saraf hari Selasa, tetapi dua minggu berturut-turut "
             "dokter tidak datang dan pasien disuruh pulang.", "Poliklinik Saraf"),
        Text("Obat tidak tersedia, pasien BPJS disuruh membeli di luar",
             "Apotek rumah sakit mengatakan obat kosong dan saya harus membeli di apotek luar "
             "dengan biaya sendiri.", "Instalasi Farmasi"),
        Text("Petugas pendaftaran meminta biaya tambahan",
             "Sebagai peserta BPJS saya diminta membayar Rp100.000 untuk 'biaya administrasi' "
             "tanpa kuitansi.", "Loket Pendaftaran Rawat Jalan"),
        Text("Toilet ruang tunggu poliklinik kotor dan tidak ada air",
             "Toilet di ruang tunggu poliklinik tidak ada air sejak beberapa hari dan sangat "
             "kotor.", "Gedung Poliklinik Lantai 1"),
        Text("Hasil laboratorium hilang, harus tes ulang",
             "Hasil pemeriksaan darah saya dinyatakan hilang sehingga saya harus diambil "
             "darah lagi dan menunggu satu hari.", "Laboratorium Klinik"),
    ),
    "mks-gawat-darurat": (
        Text("Pasien IGD menunggu tiga jam tanpa ditangani",
             "Ayah saya datang dengan sesak napas dan menunggu tiga jam di kursi roda tanpa "
             "diperiksa dokter.", "Instalasi Gawat Darurat"),
        Text("Ambulans tidak tersedia saat dihubungi",
             "Kami menelepon nomor ambulans rumah sakit dua kali dan dijawab ambulans sedang "
             "tidak ada sopir.", "Kecamatan Biringkanaya"),
        Text("Keluarga dilarang mendampingi pasien anak di IGD",
             "Anak saya berusia 6 tahun dirawat di IGD dan saya tidak diizinkan mendampingi."),
        Text("Pasien ditolak karena kamar penuh tanpa dirujuk",
             "Ibu saya ditolak dengan alasan tempat tidur penuh, tetapi tidak dibuatkan "
             "rujukan ke rumah sakit lain."),
        Text("Petugas IGD bersikap kasar kepada keluarga pasien",
             "Seorang petugas IGD membentak keluarga pasien yang bertanya tentang kondisi "
             "pasien.", "Instalasi Gawat Darurat"),
        Text("Rincian tagihan IGD tidak dijelaskan",
             "Saya pasien umum dan menerima tagihan IGD tanpa rincian tindakan dan obat."),
    ),
    "jpr-angkutan-kota": (
        Text("Sopir taksi jurusan Abepura–Entrop menaikkan tarif sepihak",
             "Sejak minggu lalu sopir taksi jurusan Abepura–Entrop meminta tarif lebih mahal "
             "dari tarif yang ditempel di kendaraan.", "Terminal Entrop"),
        Text("Taksi trayek Waena berhenti beroperasi sore hari",
             "Setelah pukul 18.00 tidak ada taksi trayek Waena sehingga pekerja yang pulang "
             "malam harus naik ojek dengan biaya mahal.", "Waena"),
        Text("Taksi mengetem di tikungan dan menyebabkan macet",
             "Taksi berhenti lama menunggu penumpang tepat di tikungan sehingga lalu lintas "
             "macet setiap pagi.", "Jl. Raya Kotaraja"),
        Text("Halte di depan kampus rusak",
             "Atap halte bocor dan bangkunya patah, penumpang harus menunggu di bawah hujan.",
             "Jl. Raya Abepura"),
        Text("Lampu lalu lintas di simpang Entrop mati",
             "Lampu lalu lintas mati sejak tiga hari dan hampir terjadi tabrakan.",
             "Simpang Entrop"),
        Text("Rambu larangan parkir tertutup pohon",
             "Rambu larangan parkir tertutup dahan pohon sehingga pengendara tidak melihatnya.",
             "Jl. Ahmad Yani"),
    ),
    "jpr-uji-kir": (
        Text("Uji KIR ditunda karena sistem antrean gangguan",
             "Truk saya sudah menunggu sejak pagi tetapi disuruh kembali besok karena sistem "
             "antrean gangguan.", "UPTD Pengujian Kendaraan, Koya"),
        Text("Biaya uji KIR tidak sesuai tarif yang diumumkan",
             "Saya membayar lebih dari tarif yang tertera di papan pengumuman loket dan tidak "
             "diberi kuitansi.", "UPTD Pengujian Kendaraan, Koya"),
        Text("Kartu BLUe belum dicetak",
             "Kendaraan saya sudah lulus uji dua minggu lalu, tetapi kartu BLUe belum dicetak "
             "dengan alasan kartu habis."),
        Text("Calo di lokasi pengujian kendaraan",
             "Ada calo yang menjanjikan kendaraan pasti lulus uji tanpa pemeriksaan dengan "
             "membayar lebih.", "UPTD Pengujian Kendaraan, Koya"),
        Text("Alat uji emisi rusak, kendaraan dinyatakan tidak lulus",
             "Kendaraan saya dinyatakan tidak lulus uji emisi, padahal bengkel resmi "
             "menyatakan emisinya normal. Petugas mengakui alatnya sering bermasalah."),
        Text("Jadwal uji keliling ke Muara Tami tidak jelas",
             "Uji keliling yang dijanjikan untuk Distrik Muara Tami belum pernah datang.",
             "Distrik Muara Tami"),
    ),
}

SPAM_TEXTS = (
    Text("Pinjaman online cepat cair tanpa jaminan!!!",
         "Butuh dana cepat? Hubungi WA kami, bunga rendah, cair 5 menit. Klik tautan di profil."),
    Text("tes tes", "tes 123 coba aplikasi"),
)

# (service code, complaint, what the coordinator rejects or refers it with)
OUT_OF_SCOPE = (
    ("jpr-angkutan-kota",
     Text("Jalan berlubang di Jl. Raya Abepura–Kotaraja",
          "Lubang besar di badan jalan sudah menyebabkan dua pengendara motor jatuh.",
          "Jl. Raya Abepura–Kotaraja"),
     "Perbaikan jalan kota adalah kewenangan Dinas PUPR Kota Jayapura."),
)
REFERRED_OUTSIDE = (
    ("mks-rawat-jalan",
     Text("Kepesertaan BPJS Kesehatan dinonaktifkan tanpa pemberitahuan",
          "Saat mendaftar di poliklinik, kartu BPJS saya dinyatakan tidak aktif padahal "
          "iuran dibayar pemberi kerja setiap bulan."),
     "BPJS Kesehatan Kantor Cabang Makassar"),
    ("bdg-kartu-keluarga",
     Text("Sertifikat tanah warisan belum bisa dibalik nama",
          "Pengurusan balik nama sertifikat tanah atas nama almarhum ayah kami tertahan "
          "berbulan-bulan.", "Kecamatan Arcamanik"),
     "Kantor Pertanahan Kota Bandung (ATR/BPN)"),
)
# Referred to another agency inside Aduan, where a linked complaint opens.
REFERRED_IN_SYSTEM = (
    ("bdg-ktp-el",
     Text("Juru parkir liar di halaman kantor pelayanan Disdukcapil",
          "Warga yang datang mengurus KTP-el dipungut parkir Rp5.000 oleh juru parkir tanpa "
          "karcis di halaman kantor.", "Kantor Disdukcapil Kota Bandung"),
     "bdg-parkir"),
)

INFO_REQUESTS = (
    "Mohon kirimkan nomor registrasi permohonan dan foto bukti pendaftaran agar berkas dapat "
    "kami telusuri.",
    "Mohon sebutkan tanggal dan jam kejadian serta lokasi yang lebih rinci.",
    "Mohon lampirkan foto atau nomor kendaraan yang dimaksud.",
)
INFO_REPLIES = (
    "Nomor registrasi permohonan saya 3273-0412-2026; foto bukti sudah saya lampirkan.",
    "Kejadiannya hari Senin sekitar pukul 09.30, di depan pintu masuk utama.",
)
DISPUTES = (
    "Jawaban belum menyelesaikan masalah; kondisi di lapangan masih sama.",
    "Saya sudah datang lagi ke loket tetapi petugas belum mengetahui tindak lanjut ini.",
)
ACCEPT_COMMENTS = (
    (5, "Terima kasih, masalah saya sudah selesai."),
    (4, "Cukup cepat ditangani."),
    (3, "Selesai, tetapi informasi di loket sebaiknya diperjelas."),
    (5, ""),
    (2, "Selesai setelah ditanyakan berkali-kali."),
)
WITHDRAWALS = (
    "Masalahnya sudah selesai setelah saya datang langsung ke loket.",
    "Saya salah memilih layanan.",
)
EXTENSION_REASONS = (
    "Perlu pemeriksaan lapangan dan klarifikasi dengan pihak terkait.",
    "Menunggu verifikasi data dari kementerian.",
)
