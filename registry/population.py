"""Realistic name data and a deterministic generator of people domiciled in Seine-Saint-Denis."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

REFERENCE_DATE = date(2026, 1, 1)
MIN_AGE = 18
MAX_AGE = 80
_LATEST_BIRTH = date(REFERENCE_DATE.year - MIN_AGE, REFERENCE_DATE.month, REFERENCE_DATE.day)
_EARLIEST_BIRTH = date(REFERENCE_DATE.year - MAX_AGE - 1, REFERENCE_DATE.month, REFERENCE_DATE.day) + timedelta(days=1)

_P_MALE = 0.6  # domiciled people are mostly men
_P_NOM_USAGE = 0.15  # of women
_P_SURNOM = 0.05
_P_JAN_FIRST = 0.12  # undocumented birth dates registered as 1 January, for groups where it is common
_P_NATURALISED = 0.08  # born abroad, nationality française
_P_FRENCH_BORN_FOREIGN = 0.15  # born in France yet keeping the parents' nationality
_S_NOMS = 0.8  # Zipf exponents: Diallo ~14 % of West African surnames, Mamadou ~10 % of the men
_S_PRENOMS = 0.65


@dataclass(frozen=True)
class Person:
    """One person: `nom` is the birth surname, `nom_usage` the married (usage) surname if any."""

    nom: str
    prenoms: str
    sexe: str  # "M" | "F"
    date_naissance: date
    lieu_naissance: str
    nationalite: str
    groupe: str  # key of the origin group, see ORIGIN_GROUPS
    nom_usage: str | None = None
    surnom: str | None = None

    def age(self, on: date = REFERENCE_DATE) -> int:
        """Age in whole years on the given date."""
        d = self.date_naissance
        return on.year - d.year - ((on.month, on.day) < (d.month, d.day))


@dataclass(frozen=True)
class Country:
    """A country of birth: towns (most frequent first) are written 'Town (label)'; label None = town as is."""

    label: str | None
    nationalite: str
    poids: float
    villes: tuple[str, ...]


@dataclass(frozen=True)
class OriginGroup:
    """An origin group: names ordered from the most to the least frequent."""

    key: str
    poids: float
    noms: tuple[str, ...]
    prenoms_m: tuple[str, ...]
    prenoms_f: tuple[str, ...]
    pays: tuple[Country, ...]
    p_ne_en_france: float
    jan_first: bool = False


_FRANCE = Country(
    None,
    "française",
    1.0,
    (
        "Saint-Denis (93)", "Paris (75)", "Aubervilliers (93)", "Saint-Ouen-sur-Seine (93)", "Bobigny (93)",
        "Montreuil (93)", "La Courneuve (93)", "Épinay-sur-Seine (93)", "Pierrefitte-sur-Seine (93)", "Stains (93)",
        "Pantin (93)", "Bondy (93)", "Aulnay-sous-Bois (93)", "Sevran (93)", "Villetaneuse (93)", "Drancy (93)",
        "Sarcelles (95)", "Argenteuil (95)", "Gennevilliers (92)", "Créteil (94)", "Vitry-sur-Seine (94)",
        "Lille (59)", "Marseille (13)", "Lyon (69)", "Rouen (76)", "Le Havre (76)", "Amiens (80)", "Nantes (44)",
        "Brest (29)", "Saint-Brieuc (22)", "Reims (51)", "Orléans (45)", "Pointe-à-Pitre (971)",
        "Fort-de-France (972)", "Cayenne (973)", "Saint-Denis (974)", "Mamoudzou (976)",
    ),
)

_AFRIQUE_OUEST = OriginGroup(
    "afrique_ouest",
    23.0,
    (
        "Diallo", "Traoré", "Koné", "Camara", "Keita", "Cissé", "Sylla", "Touré", "Diarra", "Coulibaly", "Konaté",
        "Sow", "Bah", "Barry", "Ba", "Ndiaye", "Diop", "Fall", "Sarr", "Kaba", "Doumbia", "Sangaré", "Dembélé",
        "Sissoko", "Diakité", "Kanté", "Fofana", "Bamba", "Ouattara", "Sidibé", "Diabaté", "Soumaré", "Sakho",
        "Niang", "Gueye", "Mbaye", "Faye", "Seck", "Diawara", "Dramé", "Kouyaté", "Samaké", "Tounkara", "Baldé",
        "Condé", "Soumah", "Bangoura", "Sy", "Kane", "Thiam", "Diouf", "Sané", "Mendy", "Magassa", "N'Diaye",
        "Gassama", "Sacko", "Kouassi", "Kouamé", "N'Guessan", "Konan", "Yattara", "Tandia", "Dia", "Ly",
    ),
    (
        "Mamadou", "Moussa", "Ibrahima", "Amadou", "Ousmane", "Abdoulaye", "Souleymane", "Boubacar", "Seydou",
        "Oumar", "Bakary", "Mamadou Lamine", "Mohamed", "Sékou", "Lassana", "Adama", "Alassane", "Alpha Oumar",
        "Modibo", "Cheick Oumar", "Mahamadou", "Aboubacar", "Youssouf", "Issa", "Drissa", "Siaka", "Samba", "Demba",
        "Moctar", "Aliou", "Thierno Souleymane", "Lamine", "Ismaël", "Fodé", "Djibril", "Kouadio", "Yao", "Idrissa",
        "Mory", "Karamoko", "Babacar", "Papa Demba", "El Hadji", "Malick", "Mamadou Saliou", "Daouda",
    ),
    (
        "Fatoumata", "Aminata", "Mariam", "Kadiatou", "Aïssata", "Awa", "Fanta", "Hawa", "Djénéba", "Assitan",
        "Oumou", "Fatoumata Binta", "Mariama", "Kadidia", "Ramata", "Salimata", "Nafissatou", "Aïcha", "Coumba",
        "Ndèye", "Fatou", "Khady", "Astou", "Bintou", "Mamou", "Sira", "Maïmouna", "Rokia", "Safiatou", "Diaryatou",
        "Adjoua", "Affoué", "Korotoumou", "Sokhna", "Marième", "Néné", "Mariétou", "Ndèye Fatou", "Tenin", "Bineta",
        "Mariam Fanta",
    ),
    (
        Country(
            "Mali", "malienne",
            40,
            (
                "Bamako", "Kayes", "Ségou", "Sikasso", "Nioro du Sahel", "Mopti", "Kita", "Yélimané", "Diéma",
                "Koulikoro",
            ),
        ),
        Country(
            "Sénégal", "sénégalaise",
            20,
            ("Dakar", "Thiès", "Bakel", "Matam", "Saint-Louis", "Ziguinchor", "Kaolack", "Tambacounda", "Pikine"),
        ),
        Country("Guinée", "guinéenne", 18, ("Conakry", "Labé", "Kankan", "Kindia", "Nzérékoré", "Mamou", "Pita")),
        Country(
            "Côte d'Ivoire", "ivoirienne",
            15,
            ("Abidjan", "Bouaké", "Daloa", "Yamoussoukro", "Korhogo", "San-Pédro", "Man"),
        ),
        Country("Mauritanie", "mauritanienne", 7, ("Nouakchott", "Sélibaby", "Kaédi", "Nouadhibou", "Rosso")),
    ),
    0.20,
    jan_first=True,
)

_MAGHREB = OriginGroup(
    "maghreb",
    22.0,
    (
        "Ben Ahmed", "Benali", "Haddad", "Bouzid", "Belkacem", "Mansouri", "El Amrani", "Ait Ouali", "Saïdi",
        "Brahimi", "Benaïssa", "Khelifi", "Meziane", "Hamidi", "Rahmani", "Cherif", "Boumediene", "Kaci", "Larbi",
        "Touati", "Belhadj", "Benyahia", "Ferhat", "Hamdi", "Trabelsi", "Ben Salah", "Gharbi", "Ayari", "Jlassi",
        "Bennani", "El Idrissi", "Alaoui", "Tazi", "Berrada", "El Khatib", "Ouazzani", "Abdellaoui", "Azzouz",
        "Slimani", "Zitouni", "Boukhari", "Nasri", "Saadi", "Mokrani", "El Fassi", "Aït Saïd", "Amara", "Yahiaoui",
        "Benhamou", "Benmoussa", "Bouazza", "Zerrouki", "Mebarki", "Chaouch", "Lahlou", "Djebbar", "Ben Youssef",
        "Ouali", "Hadjadj", "Boudjemaa",
    ),
    (
        "Mohamed", "Ahmed", "Karim", "Rachid", "Mourad", "Samir", "Nabil", "Khaled", "Sofiane", "Bilal", "Youssef",
        "Mehdi", "Hakim", "Farid", "Saïd", "Abdelkader", "Abdelkrim", "Djamel", "Kamel", "Mustapha", "Nordine",
        "Omar", "Brahim", "Yacine", "Walid", "Hamza", "Ayoub", "Redouane", "Abdellah", "Mohamed Amine",
        "Mohamed Ali", "Ali", "Lakhdar", "Rabah", "Slimane", "Smaïl", "Tahar", "Hocine", "Mokhtar", "Hichem",
        "Amine", "Zakaria", "Mounir", "Aziz", "Fouad", "Idir", "Mohand Arezki", "Larbi",
    ),
    (
        "Fatima", "Khadija", "Malika", "Nadia", "Samira", "Leïla", "Yasmina", "Amina", "Naïma", "Karima", "Rachida",
        "Houria", "Djamila", "Fatiha", "Souad", "Zohra", "Aïcha", "Meriem", "Nour", "Sabrina", "Sonia", "Farida",
        "Zineb", "Hafsa", "Imane", "Asmaa", "Salma", "Hanane", "Wafa", "Nawel", "Kheira", "Zahia", "Ouardia",
        "Lynda", "Siham", "Dalila", "Hayet", "Fatma", "Nesrine", "Yamina", "Fadila", "Fatima Zahra", "Latifa",
        "Lamia", "Hafida", "Chérifa",
    ),
    (
        Country(
            "Algérie", "algérienne",
            50,
            (
                "Alger", "Oran", "Constantine", "Sétif", "Tizi Ouzou", "Béjaïa", "Annaba", "Blida", "Tlemcen",
                "Batna", "Bordj Bou Arréridj", "Mostaganem",
            ),
        ),
        Country(
            "Maroc", "marocaine",
            32,
            ("Casablanca", "Oujda", "Fès", "Rabat", "Tanger", "Marrakech", "Nador", "Agadir", "Meknès", "Béni Mellal"),
        ),
        Country("Tunisie", "tunisienne", 18, ("Tunis", "Sfax", "Sousse", "Bizerte", "Kairouan", "Gabès", "Médenine")),
    ),
    0.30,
)

_FRANCAIS = OriginGroup(
    "france",
    13.0,
    (
        "Martin", "Bernard", "Petit", "Dubois", "Thomas", "Robert", "Richard", "Durand", "Moreau", "Laurent",
        "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet",
        "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier",
        "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin",
        "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Masson", "Le Gall", "Le Goff",
        "Le Roux", "Le Guen", "De La Fontaine", "Da Silva", "Dos Santos", "Pereira", "Ferreira", "Rodrigues",
        "Lemoine", "Hébert", "Bénard", "Lefranc", "D'Almeida", "Desjardins",
    ),
    (
        "Jean", "Pierre", "Michel", "Philippe", "Alain", "Patrick", "Nicolas", "Christophe", "Daniel", "Thierry",
        "Jean-Pierre", "Jean-Claude", "Jean-Luc", "Jean-Marc", "Éric", "Frédéric", "Stéphane", "Laurent", "Olivier",
        "David", "Sébastien", "Julien", "Kévin", "Anthony", "Jérôme", "Benoît", "Gérard", "Bernard", "Jacques",
        "René", "André", "Claude", "François", "Dominique", "Pascal", "Thomas", "Maxime", "Romain", "Ludovic",
        "Grégory", "Mickaël", "Cédric", "Gaëtan", "Loïc", "Hervé", "Joël", "Jean-François", "Dylan",
    ),
    (
        "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Christine", "Monique", "Sandrine",
        "Valérie", "Véronique", "Hélène", "Marie-Claire", "Marie-Christine", "Anne-Marie", "Martine", "Brigitte",
        "Nicole", "Chantal", "Patricia", "Céline", "Aurélie", "Émilie", "Stéphanie", "Julie", "Laetitia", "Élodie",
        "Mélanie", "Audrey", "Jessica", "Karine", "Josiane", "Danielle", "Ginette", "Jacqueline", "Geneviève",
        "Mireille", "Cécile", "Agnès", "Noémie", "Océane", "Manon", "Chloé", "Maëlle", "Marie-Thérèse", "Joëlle",
        "Solène",
    ),
    (_FRANCE,),
    1.0,
)

_AFRIQUE_CENTRALE = OriginGroup(
    "afrique_centrale",
    8.0,
    (
        "Mbuyi", "Tshibangu", "Kalala", "Ilunga", "Kabongo", "Mukendi", "Mutombo", "Kasongo", "Ngoy", "Mbala",
        "Nsimba", "Lumbala", "Mavungu", "Massamba", "Malonga", "Mabiala", "Makaya", "Bakala", "Loubaki", "Bouanga",
        "Ngoma", "Mbarga", "Atangana", "Essomba", "Ngono", "Fotso", "Tchakounté", "Kamga", "Nana", "Tagne",
        "Djoumessi", "Ndjock", "Ekambi", "Owona", "Onana", "Nguema", "Mvondo", "Kengne", "Mpiana", "Lutete", "Kiala",
        "Nzuzi", "Matondo", "Mafuta", "Bokolo", "Mwamba", "Kayembe", "Lukusa", "Nkounkou", "Moukoko", "Ngalula",
        "Kapinga", "Mbemba", "Ngouabi",
    ),
    (
        "Jean-Pierre", "Patrick", "Christian", "Serge", "Didier", "Emmanuel", "Jean-Paul", "Blaise", "Hervé", "Guy",
        "Junior", "Cédric", "Arsène", "Fabrice", "Prince", "Trésor", "Dieudonné", "Glody", "Ghislain", "Chancel",
        "Exaucé", "Héritier", "Jonathan", "Rodrigue", "Landry", "Aimé", "Armel", "Yannick", "Samuel", "Joseph",
        "Jean-Marie", "Fiston", "Bienvenu", "Parfait", "Clovis", "Franck", "Boris", "Martial", "Jean-Claude",
        "Gervais",
    ),
    (
        "Grâce", "Merveille", "Bénédicte", "Chancelle", "Divine", "Plamedie", "Gloire", "Espérance", "Marie-Louise",
        "Marie-Claire", "Béatrice", "Clarisse", "Nadège", "Sandrine", "Patience", "Josiane", "Marthe", "Jeanne",
        "Odette", "Pauline", "Rachel", "Ruth", "Esther", "Déborah", "Christelle", "Lydie", "Huguette", "Solange",
        "Joséphine", "Prisca", "Carine", "Flore", "Henriette", "Bernadette", "Yvette", "Élisabeth", "Ornella",
        "Sylvie",
    ),
    (
        Country(
            "RD Congo", "congolaise",
            55,
            ("Kinshasa", "Lubumbashi", "Mbuji-Mayi", "Kisangani", "Matadi", "Kananga", "Goma", "Bukavu"),
        ),
        Country("Congo", "congolaise", 15, ("Brazzaville", "Pointe-Noire", "Dolisie")),
        Country("Cameroun", "camerounaise", 25, ("Douala", "Yaoundé", "Bafoussam", "Bamenda", "Garoua")),
        Country("Centrafrique", "centrafricaine", 5, ("Bangui", "Berbérati")),
    ),
    0.15,
)

_HAITI = OriginGroup(
    "haiti",
    4.0,
    (
        "Jean-Baptiste", "Pierre-Louis", "Joseph", "Saint-Fleur", "Pierre", "Jean", "Louis", "Charles", "Jean-Louis",
        "Jean-Charles", "Saint-Louis", "Étienne", "Augustin", "Désir", "Dorvil", "Exantus", "Fils-Aimé",
        "Jean-Gilles", "Lafortune", "Laguerre", "Lamour", "Louis-Jeune", "Métellus", "Noël", "Paul", "Pierre-Paul",
        "Saint-Vil", "Saint-Hilaire", "Célestin", "Cadet", "Baptiste", "Bien-Aimé", "Estimé", "Fleurant", "Germain",
        "Innocent", "Jules", "Jacques", "Toussaint", "Théodore", "Alexis", "Alcindor", "Mompremier", "Petit-Frère",
        "Sainvil", "Dieujuste", "Valcourt", "Vilsaint",
    ),
    (
        "Jean-Robert", "Jean-Claude", "Wilson", "Ricardo", "Wilner", "Fritznel", "Jean-Ronald", "Frantz", "Guerby",
        "Jameson", "Mackenson", "Peterson", "Jimmy", "Roody", "Jean-Ernst", "Stevenson", "Josué", "Emmanuel",
        "Jacques", "Jean", "Pierre", "Marc", "Jocelyn", "Evens", "Lesly", "Ronald", "Dieuseul", "Fritz",
        "Jean-Michel", "Réginald", "Edner", "Wilfrid", "Kervens", "Woodly", "Jephté", "Wesner",
    ),
    (
        "Marie", "Marie-Ange", "Marie-Carmel", "Marie-Lourdes", "Mirlande", "Nadège", "Rose-Marie", "Roseline",
        "Guerda", "Nadine", "Yolette", "Yvrose", "Mireille", "Fabiola", "Dieula", "Magalie", "Ketty", "Vanessa",
        "Judith", "Lovely", "Wideline", "Natacha", "Myrlène", "Marlène", "Sandra", "Gladys", "Rosemène", "Altagrâce",
        "Marie-Josée", "Chantale", "Évelyne", "Sherley", "Kettely", "Yveline",
    ),
    (
        Country(
            "Haïti", "haïtienne",
            1,
            (
                "Port-au-Prince", "Cap-Haïtien", "Les Cayes", "Gonaïves", "Jacmel", "Pétion-Ville", "Jérémie",
                "Saint-Marc", "Hinche", "Port-de-Paix",
            ),
        ),
    ),
    0.15,
)

_ROUMANIE = OriginGroup(
    "roumanie",
    5.0,
    (
        "Popescu", "Stoica", "Dumitru", "Lăcătuș", "Ionescu", "Popa", "Radu", "Stan", "Constantin", "Gheorghe",
        "Munteanu", "Lungu", "Rusu", "Matei", "Ciobanu", "Moldovan", "Niculae", "Florea", "Ilie", "Vasile", "Marin",
        "Mihai", "Dinu", "Ursu", "Tănase", "Stănescu", "Căldăraru", "Ghiță", "Dobre", "Bălan", "Zamfir", "Neagu",
        "Rădulescu", "Lupu", "Nistor", "Șerban", "Toma", "Preda", "Barbu", "Oprea", "Sârbu", "Mocanu", "Pătru",
        "Ciurar", "Covaci", "Fieraru", "Rostaș", "Varga", "Lingurar",
    ),
    (
        "Ion", "Gheorghe", "Vasile", "Constantin", "Ionuț", "Florin", "Marian", "Mihai", "Nicolae", "Adrian",
        "Daniel", "Cristian", "Dumitru", "Alexandru", "Andrei", "Ștefan", "Costel", "Marius", "Cătălin", "Viorel",
        "Petru", "Sorin", "Bogdan", "Gabriel", "Florică", "Remus", "Dorel", "Fănel", "Romeo", "Sandu", "Iulian",
        "Liviu", "Valentin", "Emil", "Radu", "Nelu", "Ciprian", "Lucian", "Ion-Cătălin",
    ),
    (
        "Maria", "Elena", "Ana-Maria", "Ioana", "Mihaela", "Florentina", "Georgeta", "Mariana", "Daniela",
        "Gabriela", "Ramona", "Alina", "Andreea", "Nicoleta", "Cristina", "Roxana", "Simona", "Violeta", "Rodica",
        "Lenuța", "Florica", "Ileana", "Luminița", "Viorica", "Lăcrămioara", "Corina", "Adriana", "Denisa", "Bianca",
        "Loredana", "Camelia", "Larisa", "Anca", "Ștefania", "Maria-Magdalena",
    ),
    (
        Country(
            "Roumanie", "roumaine",
            92,
            (
                "Bucarest", "Craiova", "Timișoara", "Constanța", "Iași", "Cluj-Napoca", "Brașov", "Galați", "Tulcea",
                "Călărași", "Slatina", "Drobeta-Turnu Severin", "Reșița", "Bacău",
            ),
        ),
        Country("Moldavie", "moldave", 8, ("Chișinău", "Bălți", "Soroca")),
    ),
    0.05,
)

_AFGHANISTAN = OriginGroup(
    "afghanistan",
    5.0,
    (
        "Ahmadi", "Hakimi", "Rahimi", "Mohammadi", "Karimi", "Hashimi", "Hussaini", "Noori", "Sultani", "Safi",
        "Popal", "Stanikzai", "Ahmadzai", "Sadat", "Amiri", "Rasuli", "Jalali", "Habibi", "Azizi", "Haidari",
        "Rezaei", "Nazari", "Yousufzai", "Wardak", "Shinwari", "Mohmand", "Niazi", "Khan", "Zadran", "Hotak",
        "Mangal", "Durrani", "Barakzai", "Samadi", "Faizi", "Qaderi", "Sharifi", "Jafari", "Hamidi", "Rahmani",
        "Akbari", "Naseri", "Taheri", "Khalili", "Muradi", "Omari", "Sediqi", "Mohammadzai",
    ),
    (
        "Mohammad", "Ahmad", "Abdul", "Ali", "Hamid", "Rahim", "Karim", "Mustafa", "Jawad", "Sayed", "Naweed",
        "Farid", "Zabihullah", "Hekmatullah", "Rahmatullah", "Abdullah", "Ahmad Shah", "Mohammad Nabi", "Gul Ahmad",
        "Shir Agha", "Wahid", "Nasir", "Bilal", "Omid", "Habib", "Ismail", "Jamshid", "Najibullah", "Samiullah",
        "Asadullah", "Sohail", "Idris", "Rashid", "Masoud", "Noorullah", "Shafiq", "Khalid", "Hassan", "Hussain",
        "Reza", "Sultan", "Zia", "Mohammad Reza",
    ),
    (
        "Fatima", "Maryam", "Zahra", "Shabnam", "Farzana", "Parwana", "Malalai", "Roya", "Nargis", "Frishta",
        "Zainab", "Sakina", "Laila", "Shakila", "Soraya", "Nadia", "Mina", "Hamida", "Gulalai", "Sima", "Tahmina",
        "Nilofar", "Storai", "Khadija", "Marzia", "Masooma", "Setara", "Shukria", "Fatima Zahra",
    ),
    (
        Country(
            "Afghanistan", "afghane",
            88,
            (
                "Kaboul", "Hérat", "Kandahar", "Mazar-e Charif", "Jalalabad", "Ghazni", "Kunduz", "Baghlan", "Logar",
                "Wardak", "Nangarhar",
            ),
        ),
        Country("Iran", "afghane", 10, ("Téhéran", "Mashhad", "Ispahan")),
        Country("Pakistan", "afghane", 2, ("Peshawar", "Quetta")),
    ),
    0.01,
    jan_first=True,
)

_ALBANIE = OriginGroup(
    "albanie",
    2.0,
    (
        "Hoxha", "Berisha", "Shehu", "Krasniqi", "Gashi", "Leka", "Dervishi", "Kola", "Lika", "Marku", "Prifti",
        "Duka", "Çela", "Hysa", "Bajrami", "Kastrati", "Gjoka", "Hasani", "Ahmeti", "Rama", "Meta", "Mema", "Murati",
        "Xhafa", "Zeneli", "Sula", "Tahiri", "Kuka", "Basha", "Çani", "Bregu", "Koçi", "Domi", "Pepa", "Halili",
        "Demiri", "Muça", "Deda", "Gjonaj", "Thaçi",
    ),
    (
        "Arben", "Artan", "Besnik", "Dritan", "Elton", "Ervin", "Fatmir", "Gentian", "Ilir", "Klodian", "Kujtim",
        "Marjan", "Mentor", "Ardit", "Erion", "Florian", "Gëzim", "Agron", "Bujar", "Edmond", "Fatos", "Sokol",
        "Arjan", "Altin", "Ledio", "Endri", "Kledi", "Blerim", "Driton", "Luan", "Skënder", "Fisnik",
    ),
    (
        "Albana", "Anila", "Blerina", "Brikena", "Drita", "Elira", "Elona", "Entela", "Ermira", "Fjolla", "Flutura",
        "Jonida", "Lindita", "Majlinda", "Mimoza", "Rudina", "Valbona", "Vjosa", "Xhensila", "Arta", "Besa",
        "Erjona", "Teuta", "Mirela", "Anisa", "Ornela", "Dorina", "Shpresa", "Elda", "Lumturije",
    ),
    (
        Country(
            "Albanie", "albanaise",
            70,
            ("Tirana", "Durrës", "Shkodër", "Elbasan", "Vlorë", "Fier", "Korçë", "Berat", "Kukës"),
        ),
        Country("Kosovo", "kosovare", 30, ("Pristina", "Prizren", "Pejë", "Gjakova", "Mitrovica")),
    ),
    0.03,
)

_TURQUIE = OriginGroup(
    "turquie",
    3.0,
    (
        "Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan",
        "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Korkmaz", "Erdem",
        "Güler", "Aksoy", "Tekin", "Ateş", "Keskin", "Uçar", "Tunç", "Baran", "Ekinci", "Aktaş", "Bakır", "Ayhan",
        "Demirtaş", "Tatlı", "Akgül", "Yavuz", "Zengin", "Bingöl", "Tekdağ",
    ),
    (
        "Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Murat", "Ömer", "Osman",
        "Yusuf", "Emre", "Burak", "Serkan", "Cem", "Kemal", "Abdullah", "Ramazan", "Erkan", "Halil", "Süleyman",
        "Recep", "Fatih", "Ercan", "Hakan", "Volkan", "Kadir", "Cengiz", "Baran", "Rojhat", "Serhat", "Azad",
        "Şervan", "Welat", "Zinar", "Mehmet Ali",
    ),
    (
        "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep", "Elif", "Meryem", "Şerife", "Sultan", "Hacer", "Özlem",
        "Gülsüm", "Esra", "Merve", "Büşra", "Derya", "Songül", "Gülten", "Hülya", "Sevgi", "Dilek", "Yasemin",
        "Leyla", "Zozan", "Berfin", "Rojda", "Nevroz", "Dilan", "Jiyan", "Zelal", "Gülizar", "Havin", "Rukiye",
    ),
    (
        Country(
            "Turquie", "turque",
            1,
            (
                "Istanbul", "Diyarbakır", "Ankara", "Kayseri", "Konya", "Gaziantep", "Mardin", "Batman", "Şanlıurfa",
                "Van", "Adana", "Sivas", "Yozgat", "Kahramanmaraş", "Tunceli", "Izmir",
            ),
        ),
    ),
    0.20,
)

_SRI_LANKA = OriginGroup(
    "sri_lanka",
    3.0,
    (
        "Sivakumar", "Tharmalingam", "Kanagaratnam", "Selvarajah", "Thangarajah", "Ponnampalam", "Sinnathamby",
        "Arumugam", "Subramaniam", "Rajendran", "Yogarajah", "Balasubramaniam", "Navaratnam", "Sivanesan", "Kandiah",
        "Mahalingam", "Jeyakumar", "Ratnam", "Vijayakumar", "Sritharan", "Nadarajah", "Sellathurai", "Murugesu",
        "Kathirgamanathan", "Ganeshalingam", "Logeswaran", "Paramanathan", "Thevarajah", "Sivapalan", "Suthaharan",
        "Kugathasan", "Jeganathan", "Anandarajah", "Srikanthan", "Rasiah", "Kanapathipillai", "Thiruchelvam",
        "Sathiyamoorthy", "Manoharan", "Velauthapillai",
    ),
    (
        "Kumar", "Suresh", "Ramesh", "Rajan", "Sivakumar", "Prakash", "Ganesh", "Kannan", "Murugan", "Thayalan",
        "Jegan", "Sathees", "Nirmalan", "Kajan", "Tharsan", "Pirasanth", "Thushyanthan", "Vithusan", "Kirushanth",
        "Niroshan", "Sutharsan", "Mathan", "Senthil", "Aravinthan", "Karthik", "Ragavan", "Sasikumar", "Jeevan",
        "Arun", "Vinoth",
    ),
    (
        "Kalaivani", "Sumathi", "Vasanthi", "Shanthi", "Jeyanthi", "Thamilselvi", "Malar", "Kavitha", "Nirmala",
        "Priya", "Sharmila", "Tharshika", "Thushanthini", "Kajani", "Mathumitha", "Sivaranjani", "Geetha", "Lakshmi",
        "Vanaja", "Yalini", "Abirami", "Nivetha", "Keerthana", "Dharshini", "Suganthi", "Uma", "Selvi",
        "Jeyaletchumy", "Kausalya", "Pavithra",
    ),
    (
        Country(
            "Sri Lanka", "sri-lankaise",
            90,
            ("Jaffna", "Colombo", "Batticaloa", "Trincomalee", "Vavuniya", "Kilinochchi", "Mannar", "Point Pedro"),
        ),
        Country("Inde", "indienne", 10, ("Chennai", "Pondichéry", "Karaikal")),
    ),
    0.10,
)

_ASIE_SUD = OriginGroup(
    "asie_sud",
    4.0,
    (
        "Khan", "Ahmed", "Hussain", "Ali", "Rahman", "Islam", "Hossain", "Uddin", "Chowdhury", "Miah", "Sheikh",
        "Malik", "Butt", "Iqbal", "Akhtar", "Aslam", "Mahmood", "Qureshi", "Siddiqui", "Rana", "Chaudhry", "Raza",
        "Shah", "Bhatti", "Javed", "Bashir", "Anwar", "Haque", "Alam", "Sarkar", "Das", "Roy", "Karim", "Talukder",
        "Bhuiyan", "Sikder", "Mollah", "Howlader", "Mridha", "Majumder",
    ),
    (
        "Muhammad", "Mohammad Ali", "Imran", "Asif", "Tariq", "Shahid", "Zahid", "Kamran", "Naveed", "Faisal",
        "Bilal", "Usman", "Waqas", "Adnan", "Rizwan", "Abdul Karim", "Shahzad", "Nadeem", "Sajid", "Arif", "Rafiq",
        "Shafiqul", "Mizanur", "Mahbub", "Anisur", "Rakib", "Sohel", "Jahangir", "Kamal", "Jamal", "Rubel", "Shahin",
        "Masud", "Habibur", "Nazrul", "Md Abdul",
    ),
    (
        "Ayesha", "Fatima", "Nasreen", "Shazia", "Rubina", "Sadia", "Farhana", "Nusrat", "Shahnaz", "Bushra",
        "Samina", "Rukhsana", "Kausar", "Sumaiya", "Taslima", "Rahima", "Nazma", "Salma", "Shirin", "Jannatul",
        "Sharmin", "Rehana", "Parveen", "Rashida", "Mahmuda", "Sultana", "Nasima", "Lubna", "Sabina", "Hina",
    ),
    (
        Country(
            "Pakistan", "pakistanaise",
            50,
            (
                "Lahore", "Gujrat", "Karachi", "Sialkot", "Rawalpindi", "Islamabad", "Faisalabad", "Jhelum",
                "Mandi Bahauddin",
            ),
        ),
        Country(
            "Bangladesh", "bangladaise",
            45,
            ("Dacca", "Sylhet", "Chittagong", "Comilla", "Noakhali", "Narayanganj", "Khulna"),
        ),
        Country("Inde", "indienne", 5, ("Calcutta", "Delhi", "Amritsar")),
    ),
    0.08,
)

_COMORES = OriginGroup(
    "comores",
    3.0,
    (
        "Ahamada", "Said", "Saïd Ali", "Mohamed", "Abdallah", "Soilihi", "Youssouf", "Ali Mmadi", "Mze", "Madi",
        "Houmadi", "Ibrahim", "Msa", "Attoumani", "Chamsidine", "Djoumoi", "Hamadi", "Boina", "Charif", "Mmadi",
        "Abdou", "Soidri", "Hassani", "Mhoma", "Ahmed", "Combo", "Fakih", "Halidi", "Mohadji", "Said Omar", "Bacar",
        "Mbaé", "Salim", "Kassim", "Moussa", "Anzize", "Djaé", "Toihir", "Mlanao", "Ousseni",
    ),
    (
        "Ahmed", "Ali", "Saïd", "Mohamed", "Abdallah", "Ibrahim", "Youssouf", "Nassur", "Anli", "Moussa",
        "Chamsoudine", "Nourdine", "Soilihi", "Ismaël", "Houssen", "Hamidou", "Djamal", "Oumar", "Kamal",
        "Fahardine", "Abdou", "Ansoir", "Ahmada", "Hachim", "Soulaimana", "Madi", "Mouhamadi", "Fouad", "Said Ahmed",
        "Toiyb",
    ),
    (
        "Fatima", "Mariama", "Zaïnaba", "Hadidja", "Nadjati", "Nasma", "Sitti", "Mwanaïsha", "Zalifa", "Anfia",
        "Faouzia", "Roukia", "Nadia", "Soilha", "Mounira", "Zakia", "Chadia", "Housna", "Djamila", "Halima", "Amina",
        "Fatouma", "Moinaecha", "Naïma", "Anziza", "Samira", "Rahamatou", "Echati", "Sitti Fatima",
    ),
    (
        Country(
            "Comores", "comorienne",
            1,
            ("Moroni", "Mutsamudu", "Fomboni", "Mitsamiouli", "Mbéni", "Foumbouni", "Domoni"),
        ),
    ),
    0.25,
)

_SYRIE_SOUDAN = OriginGroup(
    "syrie_soudan",
    3.0,
    (
        "Al Ahmad", "Al Hussein", "Al Ali", "Khalil", "Haddad", "Hamdan", "Darwish", "Ibrahim", "Mustafa", "Omar",
        "Abdallah", "Al Khatib", "Al Hassan", "Al Masri", "Hamoud", "Najjar", "Sabbagh", "Kassab", "Saleh", "Nasser",
        "Abdelrahman", "Adam", "Ishag", "Abakar", "Yahya", "Mohamed Ahmed", "Osman", "Hamid", "Idriss", "Abdalla",
        "Elamin", "Eltayeb", "Babiker", "Hassan", "Musa", "Bakhit", "Haroun", "Zakaria", "Jaber", "Suleiman",
        "Al Saleh", "Al Halabi",
    ),
    (
        "Mohammad", "Ahmad", "Khaled", "Omar", "Hassan", "Hussein", "Ali", "Mahmoud", "Ibrahim", "Yasser", "Bassam",
        "Walid", "Firas", "Rami", "Samer", "Fadi", "Ammar", "Mazen", "Tarek", "Ayman", "Mohamed", "Adam",
        "Abdelrahman", "Abakar", "Ishag", "Yahya", "Abdelaziz", "Hamid", "Mubarak", "Osman", "Musa", "Elsadig",
        "Mutasim", "Abdallah", "Anas",
    ),
    (
        "Fatima", "Rania", "Hala", "Lina", "Rasha", "Dima", "Reem", "Nour", "Yara", "Ghada", "Hiba", "Amal", "Manal",
        "Samar", "Rima", "Maha", "Aya", "Rawan", "Asma", "Hawa", "Khadija", "Amna", "Sara", "Mawahib", "Ikhlas",
        "Nafisa", "Safa", "Marwa", "Suad", "Zainab",
    ),
    (
        Country(
            "Soudan", "soudanaise",
            60,
            ("Khartoum", "Nyala", "El Fasher", "El Geneina", "Omdurman", "Port-Soudan", "Kassala", "Zalingei"),
        ),
        Country(
            "Syrie", "syrienne",
            40,
            ("Damas", "Alep", "Homs", "Deir ez-Zor", "Idleb", "Hama", "Lattaquié", "Raqqa", "Deraa", "Qamichli"),
        ),
    ),
    0.02,
    jan_first=True,
)

_ERYTHREE = OriginGroup(
    "erythree",
    2.0,
    (
        "Tesfaye", "Haile", "Gebremedhin", "Tekle", "Berhane", "Kidane", "Tesfamariam", "Ghebreyesus", "Woldemariam",
        "Mehari", "Yohannes", "Habte", "Kahsay", "Abraha", "Tsegay", "Gebremichael", "Andemariam", "Weldu",
        "Ghirmay", "Asmerom", "Mebrahtu", "Negash", "Hagos", "Tewelde", "Zerai", "Okbazghi", "Ghebremeskel", "Isaac",
        "Solomon", "Desta", "Amanuel", "Goitom", "Kiflom", "Measho", "Russom", "Tesfazghi", "Gebru", "Hailemariam",
        "Araya", "Ogbamichael",
    ),
    (
        "Yonas", "Dawit", "Tesfay", "Mehari", "Samuel", "Filmon", "Robel", "Biniam", "Henok", "Semere", "Daniel",
        "Yohannes", "Aron", "Kibrom", "Efrem", "Michael", "Mulugeta", "Tekle", "Ermias", "Habtom", "Merhawi",
        "Nahom", "Mussie", "Ghirmay", "Amanuel", "Berhane", "Tesfalem", "Awet", "Natnael", "Yemane",
    ),
    (
        "Helen", "Selam", "Saba", "Senait", "Luwam", "Ruth", "Mebrat", "Tsega", "Yordanos", "Hiwet", "Rahel", "Eden",
        "Feven", "Semhar", "Winta", "Abeba", "Tirhas", "Almaz", "Meron", "Betelhem", "Lidya", "Rigat", "Sara",
        "Hanna", "Elsa", "Mihret", "Ksanet", "Zewdi", "Freweyni", "Aster",
    ),
    (
        Country(
            "Érythrée", "érythréenne",
            80,
            ("Asmara", "Keren", "Massaoua", "Mendefera", "Dekemhare", "Adi Keyh", "Barentu"),
        ),
        Country("Éthiopie", "éthiopienne", 20, ("Addis-Abeba", "Gondar", "Mekele", "Shire")),
    ),
    0.01,
    jan_first=True,
)

ORIGIN_GROUPS: tuple[OriginGroup, ...] = (
    _AFRIQUE_OUEST,
    _MAGHREB,
    _FRANCAIS,
    _AFRIQUE_CENTRALE,
    _HAITI,
    _ROUMANIE,
    _AFGHANISTAN,
    _ALBANIE,
    _TURQUIE,
    _SRI_LANKA,
    _ASIE_SUD,
    _COMORES,
    _SYRIE_SOUDAN,
    _ERYTHREE,
)
GROUP_KEYS: tuple[str, ...] = tuple(g.key for g in ORIGIN_GROUPS)
ALL_SURNAMES: tuple[str, ...] = tuple(dict.fromkeys(n for g in ORIGIN_GROUPS for n in g.noms))
_GROUP_WEIGHTS: tuple[float, ...] = tuple(g.poids for g in ORIGIN_GROUPS)

_SURNOMS_M: tuple[str, ...] = (
    "Papis", "Bouba", "Madou", "Le Vieux", "Kader", "Momo", "Djo", "Tonton", "Le Grand", "Ibra", "Zizou", "Jojo",
    "Doudou", "Ti-Jean", "Baba", "Nono", "Titi", "Pap's", "Le Blédard", "Gégé", "Mimo", "Sissou",
)
_SURNOMS_F: tuple[str, ...] = (
    "Mimi", "Fifi", "Tata", "Nana", "Maman Awa", "Lili", "Fatou", "Titi", "Zaza", "Nini", "Kiki", "Cathy", "Jojo",
    "Doudou", "Sissi", "Mama", "Choupette", "Lala", "Didi", "Binta",
)


def _zipf_pick(rng: random.Random, items: tuple[str, ...], s: float = 1.0) -> str:
    """Pick an item with a Zipf-like weight 1/rank**s (items are ordered most frequent first)."""
    return rng.choices(items, weights=[1.0 / (k + 1) ** s for k in range(len(items))])[0]


def _group(key: str) -> OriginGroup:
    for g in ORIGIN_GROUPS:
        if g.key == key:
            return g
    raise ValueError(f"unknown origin group {key!r}; expected one of {GROUP_KEYS}")


def _birth_date(rng: random.Random, jan_first: bool) -> date:
    """Birth date giving an age in [MIN_AGE, MAX_AGE] on REFERENCE_DATE, skewed towards 25-50 years."""
    age_years = rng.triangular(MIN_AGE, MAX_AGE + 1, 34)
    born = REFERENCE_DATE - timedelta(days=int(age_years * 365.2425))
    if jan_first and rng.random() < _P_JAN_FIRST:
        born = date(born.year, 1, 1)
    return min(max(born, _EARLIEST_BIRTH), _LATEST_BIRTH)


def _birthplace(rng: random.Random, g: OriginGroup) -> tuple[str, str]:
    """(lieu_naissance, nationalite) for someone of group g."""
    if rng.random() < g.p_ne_en_france:
        lieu = _zipf_pick(rng, _FRANCE.villes, 1.1)
        if g is not _FRANCAIS and rng.random() < _P_FRENCH_BORN_FOREIGN:
            return lieu, g.pays[0].nationalite
        return lieu, "française"
    country = rng.choices(g.pays, weights=[c.poids for c in g.pays])[0]
    ville = _zipf_pick(rng, country.villes, 1.0)
    lieu = ville if country.label is None else f"{ville} ({country.label})"
    nationalite = "française" if rng.random() < _P_NATURALISED else country.nationalite
    return lieu, nationalite


def _married_name(rng: random.Random, g: OriginGroup, nom: str) -> str:
    """A husband's surname: usually from the same group, sometimes from any group; never the birth name."""
    for _ in range(20):
        h = g if rng.random() < 0.85 else rng.choices(ORIGIN_GROUPS, weights=_GROUP_WEIGHTS)[0]
        candidate = _zipf_pick(rng, h.noms, _S_NOMS)
        if candidate != nom:
            return candidate
    return next(n for n in g.noms + _FRANCAIS.noms if n != nom)


def _sample_in_group(
    rng: random.Random,
    g: OriginGroup,
    sexe: str | None = None,
    nom: str | None = None,
    prenoms: str | None = None,
) -> Person:
    sexe = sexe or ("M" if rng.random() < _P_MALE else "F")
    nom = nom or _zipf_pick(rng, g.noms, _S_NOMS)
    prenoms = prenoms or _zipf_pick(rng, g.prenoms_m if sexe == "M" else g.prenoms_f, _S_PRENOMS)
    lieu, nationalite = _birthplace(rng, g)
    nom_usage = _married_name(rng, g, nom) if sexe == "F" and rng.random() < _P_NOM_USAGE else None
    surnom = rng.choice(_SURNOMS_M if sexe == "M" else _SURNOMS_F) if rng.random() < _P_SURNOM else None
    return Person(
        nom=nom,
        prenoms=prenoms,
        sexe=sexe,
        date_naissance=_birth_date(rng, g.jan_first),
        lieu_naissance=lieu,
        nationalite=nationalite,
        groupe=g.key,
        nom_usage=nom_usage,
        surnom=surnom,
    )


def sample_person(rng: random.Random, *, groupe: str | None = None, sexe: str | None = None) -> Person:
    """Draw one random person (origin group weighted like Saint-Denis unless `groupe` is given)."""
    if sexe not in (None, "M", "F"):
        raise ValueError(f"sexe must be 'M' or 'F', not {sexe!r}")
    g = _group(groupe) if groupe else rng.choices(ORIGIN_GROUPS, weights=_GROUP_WEIGHTS)[0]
    return _sample_in_group(rng, g, sexe)


def _homonym_of(rng: random.Random, src: Person) -> Person:
    """Someone with exactly src's nom, prenoms and sexe, but another birth date and birthplace."""
    g = _group(src.groupe)
    other = _sample_in_group(rng, g, src.sexe, src.nom, src.prenoms)
    for _ in range(20):
        if other.date_naissance != src.date_naissance and (
            other.lieu_naissance != src.lieu_naissance or len(g.pays) == 1 and len(g.pays[0].villes) == 1
        ):
            break
        other = _sample_in_group(rng, g, src.sexe, src.nom, src.prenoms)
    if other.date_naissance == src.date_naissance:
        shifted = src.date_naissance + timedelta(days=1 if src.date_naissance < _LATEST_BIRTH else -1)
        other = replace(other, date_naissance=shifted)
    return other


def generate_people(n: int, *, seed: int = 0, homonym_rate: float = 0.03) -> list[Person]:
    """`n` people, deterministic for `seed`; at least ceil(homonym_rate*n) of them (when n allows) are
    deliberate true homonyms (same nom and prenoms as someone else, different birth date and place)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= homonym_rate <= 1.0:
        raise ValueError("homonym_rate must be within [0, 1]")
    rng = random.Random(seed)
    people = [sample_person(rng) for _ in range(n)]
    pairs = min(math.ceil(homonym_rate * n / 2), n // 2)
    order = rng.sample(range(n), 2 * pairs)
    for src_i, dst_i in zip(order[0::2], order[1::2], strict=True):
        people[dst_i] = _homonym_of(rng, people[src_i])
    return people
