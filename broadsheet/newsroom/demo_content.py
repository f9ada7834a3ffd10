"""The demo newsroom's words: an invented country (Valdria), its port city (Port Carrow)
and the people who report on them. Every sentence here was written for Broadsheet; none
is taken from a real publication. Times are fixed so that the demo is the same on every
machine.
"""

from datetime import UTC, datetime, timedelta

PUBLICATION = {
    "name": "The Carrow Ledger",
    "tagline": "News and argument from Port Carrow and the wider world",
}

SUPPORT_CTAS = [
    {
        "key": "members",
        "text": "The Ledger is paid for by its readers, not by advertisers.",
        "label": "Become a member",
        "link": "https://example.org/membership",
    },
    {
        "key": "opinion",
        "text": "Arguments worth having cost money to publish. Help us keep the debate open.",
        "label": "Support the Opinion desk",
        "link": "https://example.org/donate",
    },
]

AUTHORS = [
    {
        "slug": "mara-lind",
        "name": "Mara Lind",
        "role": "Foreign correspondent",
        "bio": "Mara Lind has reported from the Valdrian border provinces since 2019. "
        "Before that she covered shipping and ports for a trade weekly.",
    },
    {
        "slug": "tomas-ferreira",
        "name": "Tomás Ferreira",
        "role": "Political editor",
        "bio": "Tomás Ferreira follows the assembly in Port Carrow and the ministries "
        "around it. He once read an entire budget aloud on a night train, by request.",
    },
    {
        "slug": "ines-halvorsen",
        "name": "Ines Halvorsen",
        "role": "Climate and environment correspondent",
        "bio": "Ines Halvorsen writes about weather, water and the people who manage both. "
        "She trained as a hydrologist.",
    },
    {
        "slug": "dara-quinn",
        "name": "Dara Quinn",
        "role": "Columnist",
        "bio": "Dara Quinn writes a weekly column on public life. Views are her own.",
    },
]

SECTIONS = [
    {"slug": "world", "title": "World", "intro": "Reporting from beyond the harbour wall."},
    {"slug": "politics", "title": "Politics", "intro": "The assembly, the ministries, the vote."},
    {"slug": "climate", "title": "Climate", "intro": "Weather, water, energy and land."},
    {
        "slug": "opinion",
        "title": "Opinion",
        "intro": "Argument and analysis from our columnists.",
        "is_column": True,
        "disclaimer": "The views expressed in this column are the author's own and do not "
        "necessarily reflect those of The Carrow Ledger.",
        "support_cta": "opinion",
    },
]

# Newest first; each story is published `hours_ago` before DEMO_NOW.
DEMO_NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)

HANDOUT = {
    "provenance": "handout",
    "verified": False,
    "usage_restriction": "Editorial use only. No sales, no archives.",
}

STORIES = [
    # ---------------------------------------------------------------- World
    {
        "section": "world",
        "slug": "border-talks-stall-over-river-crossings",
        "title": "Border talks stall as both sides claim the river crossings",
        "standfirst": "Negotiators from Valdria and Ostmark left the lakeside hotel without a "
        "date to meet again, after a night spent arguing over three bridges.",
        "authors": ["mara-lind"],
        "tags": ["Valdria", "Ostmark", "Diplomacy"],
        "hours_ago": 2,
        "image": {
            "caption": "Delegates leave the Hotel Miren on the shore of Lake Sava after talks "
            "broke up early on Tuesday.",
            "credit": "Ostmark Foreign Ministry/Handout",
            "source": "Ostmark Foreign Ministry",
            **HANDOUT,
        },
        "body": [
            (
                "paragraph",
                "Talks meant to settle the future of the three bridges over the "
                "Sava river ended before dawn, with each delegation saying the other had "
                "withdrawn an offer that was already on the table.",
            ),
            (
                "paragraph",
                "The crossings carry most of the grain that leaves the northern "
                "provinces. Since the spring, lorries have queued for up to two days while "
                "customs officers from both countries inspect the same loads.",
            ),
            (
                "quote",
                {
                    "quote": "We came to sign a timetable, not to renegotiate a map.",
                    "speaker": "Katrin Vosk, Valdrian deputy foreign minister",
                    "outlet": "speaking to reporters outside the hotel",
                },
            ),
            (
                "paragraph",
                "Ostmark's delegation said in a statement that it remained ready "
                "to meet \u201cat any level, at any time\u201d, but gave no date.",
            ),
        ],
    },
    {
        "section": "world",
        "slug": "grain-convoy-reaches-northern-provinces",
        "title": "First grain convoy in a month reaches the northern provinces",
        "standfirst": "Forty lorries crossed at the Dessa bridge after a temporary "
        "arrangement between customs services, but traders say the relief will be brief.",
        "authors": ["mara-lind"],
        "tags": ["Valdria", "Trade", "Food"],
        "hours_ago": 20,
        "image": {
            "caption": "Lorries wait at the Dessa bridge checkpoint on Monday morning.",
            "credit": "Mara Lind/The Carrow Ledger",
            "source": "The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The convoy left the depot at Hallin shortly after six in the "
                "morning and reached the market town of Brennick by noon, the first to make "
                "the journey without a two-day wait since October.",
            ),
            (
                "paragraph",
                "Customs officers from both sides inspected the loads together, "
                "under an arrangement agreed by telephone late on Sunday and described by one "
                "official as \u201ca trial, nothing more\u201d.",
            ),
            (
                "quote",
                {
                    "quote": "One convoy is a good day. We need a good season.",
                    "speaker": "Oren Palk",
                    "outlet": "Northern Growers' Union",
                },
            ),
        ],
    },
    {
        "section": "world",
        "slug": "flooded-delta-towns-ask-for-pumps",
        "title": "Flooded delta towns ask neighbours for pumps and dry storage",
        "standfirst": "Three towns in the Ostmark delta have been under water for a week. "
        "Their mayors have written directly to counterparts across the border.",
        "authors": ["mara-lind", "ines-halvorsen"],
        "tags": ["Ostmark", "Floods"],
        "hours_ago": 44,
        "image": {
            "caption": "Residents move furniture by boat along a street in Lower Teme.",
            "credit": "Teme Municipal Council/Handout",
            "source": "Teme Municipal Council",
            **HANDOUT,
        },
        "body": [
            (
                "paragraph",
                "The letter, signed by the mayors of Lower Teme, Sorvik and "
                "Aldmouth, asks for mobile pumps, generators and warehouse space for seed "
                "that must be kept dry until planting.",
            ),
            ("heading", "A request outside the usual channels"),
            (
                "paragraph",
                "Aid between the two countries normally passes through their "
                "foreign ministries. The mayors said they wrote directly because the water "
                "would not wait for a protocol.",
            ),
            (
                "quote",
                {
                    "quote": "Every day the seed stays wet is a harvest we lose next year.",
                    "speaker": "Anneli Moor",
                    "outlet": "Mayor of Aldmouth",
                },
            ),
        ],
    },
    {
        "section": "world",
        "slug": "ferry-strike-ends-after-nine-days",
        "title": "Island ferry strike ends after nine days with a pay deal",
        "standfirst": "Crews on the Carrow\u2013Inskar route return to work on Thursday "
        "after accepting a rise staged over two years.",
        "authors": ["tomas-ferreira"],
        "tags": ["Ferries", "Labour"],
        "hours_ago": 70,
        "image": {
            "caption": "The ferry Inskar Star at its berth in Port Carrow during the strike.",
            "credit": "Tomás Ferreira/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "Members of the seafarers' union voted by a large margin to "
                "accept the offer, which raises pay in two steps and limits the length of "
                "night shifts on the crossing.",
            ),
            (
                "paragraph",
                "Islanders had relied on fishing boats and a single chartered "
                "vessel for nine days. Shops on Inskar reported running short of fresh milk "
                "and medicine by the weekend.",
            ),
            (
                "quote",
                {
                    "quote": "Nobody on the crews wanted to leave the island short. We "
                    "wanted the night shifts to be survivable.",
                    "speaker": "Paulo Reis",
                    "outlet": "Seafarers' Union",
                },
            ),
        ],
    },
    {
        "section": "world",
        "slug": "observers-to-monitor-ostmark-election",
        "title": "Regional observers will monitor Ostmark's snap election",
        "standfirst": "A mission of sixty observers will visit polling stations in all "
        "eleven provinces, including the disputed river districts.",
        "authors": ["mara-lind"],
        "tags": ["Ostmark", "Elections"],
        "hours_ago": 96,
        "image": {
            "caption": "Ballot boxes are sealed at the central election office in Velgrad.",
            "credit": "Ostmark Central Election Commission/Handout",
            "source": "Ostmark Central Election Commission",
            **HANDOUT,
        },
        "body": [
            (
                "paragraph",
                "The mission was invited by Ostmark's election commission after "
                "opposition parties said they would not accept a result counted without "
                "outside witnesses.",
            ),
            (
                "paragraph",
                "Observers will publish a preliminary statement the day after "
                "the vote and a full report within two months.",
            ),
            (
                "quote",
                {
                    "quote": "Our job is to watch, count and write down what we see. "
                    "Nothing more, nothing less.",
                    "speaker": "Liesel Andor",
                    "outlet": "head of the observer mission",
                },
            ),
        ],
    },
    {
        "section": "world",
        "slug": "museum-returns-carved-doors",
        "title": "Museum returns carved doors taken from a mountain monastery",
        "standfirst": "The oak doors, removed in 1911, will go back to the monastery of "
        "St Ilan after a decade of correspondence between curators and monks.",
        "authors": ["mara-lind"],
        "tags": ["Culture", "Valdria"],
        "hours_ago": 130,
        "image": {
            "caption": "Conservators prepare the doors for transport at the Carrow Museum.",
            "credit": "Carrow Museum",
            "source": "Carrow Museum",
            "provenance": "handout",
        },
        "body": [
            (
                "paragraph",
                "The doors, each carved with scenes of the harvest year, were "
                "bought by a collector from a dealer who had no right to sell them.",
            ),
            (
                "paragraph",
                "Monks at St Ilan kept a photograph of the empty doorway in the "
                "refectory for more than a century.",
            ),
            (
                "quote",
                {
                    "quote": "We always knew where they were. We just had to learn "
                    "to write the right letters.",
                    "speaker": "Brother Matei",
                    "outlet": "Monastery of St Ilan",
                },
            ),
        ],
    },
    # ---------------------------------------------------------------- Politics
    {
        "section": "politics",
        "slug": "assembly-passes-harbour-budget",
        "title": "Assembly passes harbour budget after all-night sitting",
        "standfirst": "The vote was closer than expected: 41 to 38, with two members of "
        "the governing coalition abstaining over dredging costs.",
        "authors": ["tomas-ferreira"],
        "tags": ["Assembly", "Budget", "Port Carrow"],
        "hours_ago": 5,
        "image": {
            "caption": "Members of the assembly leave the chamber at dawn on Tuesday.",
            "credit": "Tomás Ferreira/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The budget commits the city to deepening the main channel so "
                "that larger container ships can berth without waiting for the tide.",
            ),
            (
                "paragraph",
                "Opponents argued that the cost estimate, revised three times "
                "since the summer, still leaves out the disposal of dredged silt.",
            ),
            (
                "quote",
                {
                    "quote": "We are buying a deeper harbour with a shallow plan.",
                    "speaker": "Hana Ostrova",
                    "outlet": "opposition finance spokesperson",
                },
            ),
            (
                "paragraph",
                "The harbour authority will publish a revised schedule of works in January.",
            ),
        ],
        "corrections": [
            {
                "hours_ago": 1,
                "text": "An earlier version of this article gave the result of the vote "
                "as 42 to 37. It was 41 to 38.",
            }
        ],
    },
    {
        "section": "politics",
        "slug": "mayor-proposes-night-bus-network",
        "title": "Mayor proposes a night bus network for the whole city",
        "standfirst": "Eight routes would run every half hour after midnight, paid for by "
        "a levy on late-opening venues.",
        "authors": ["tomas-ferreira"],
        "tags": ["Transport", "Port Carrow"],
        "hours_ago": 28,
        "image": {
            "caption": "A bus waits at the Quayside terminus late on Friday evening.",
            "credit": "Tomás Ferreira/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The plan follows a survey in which nurses, cooks and dock "
                "workers said the last bus, at 11.40pm, left them walking or paying for "
                "taxis they could not afford.",
            ),
            (
                "paragraph",
                "Venue owners said they were open to a levy if the routes "
                "actually reached the districts where their staff live.",
            ),
            (
                "quote",
                {
                    "quote": "The city does not go to sleep at midnight. Its buses "
                    "should not either.",
                    "speaker": "Mayor Ilse Brandt",
                    "outlet": "at the city council",
                },
            ),
        ],
    },
    {
        "section": "politics",
        "slug": "electoral-commission-redraws-districts",
        "title": "Electoral commission redraws three assembly districts",
        "standfirst": "Growth in the eastern suburbs means the harbour district loses a "
        "seat and Eastfield gains one.",
        "authors": ["tomas-ferreira"],
        "tags": ["Assembly", "Elections"],
        "hours_ago": 52,
        "image": {
            "caption": "A map of the proposed districts on display at City Hall.",
            "credit": "Valdrian Electoral Commission/Handout",
            "source": "Valdrian Electoral Commission",
            **HANDOUT,
        },
        "body": [
            (
                "paragraph",
                "The commission's proposal moves about nine thousand voters "
                "from the Harbour district into the new Eastfield North seat.",
            ),
            (
                "paragraph",
                "Parties have six weeks to object. Public hearings will be held "
                "in both districts in January.",
            ),
            (
                "quote",
                {
                    "quote": "Districts follow people. People have moved east.",
                    "speaker": "Rasmus Kell",
                    "outlet": "Valdrian Electoral Commission",
                },
            ),
        ],
    },
    {
        "section": "politics",
        "slug": "ministers-publish-meeting-diaries",
        "title": "Ministers will publish their meeting diaries every month",
        "standfirst": "The government says the change, demanded by transparency "
        "campaigners for years, takes effect in January.",
        "authors": ["tomas-ferreira"],
        "tags": ["Transparency", "Government"],
        "hours_ago": 75,
        "image": {
            "caption": "The cabinet office on Tower Street.",
            "credit": "Tomás Ferreira/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "Each minister will list meetings with lobbyists, companies and "
                "campaign groups, with the date and the subject discussed.",
            ),
            (
                "paragraph",
                "Campaigners welcomed the decision but said diaries published a "
                "month late would arrive after decisions had been taken.",
            ),
            (
                "quote",
                {
                    "quote": "A diary is a start. A diary published in time would be a habit.",
                    "speaker": "Noor Adeyemi",
                    "outlet": "Open Ledger Trust",
                },
            ),
        ],
    },
    {
        "section": "politics",
        "slug": "coalition-agrees-housing-plan",
        "title": "Coalition partners agree a housing plan after months of delay",
        "standfirst": "The plan aims for twelve thousand homes in five years, a third of "
        "them for rent at controlled prices.",
        "authors": ["tomas-ferreira", "ines-halvorsen"],
        "tags": ["Housing", "Government"],
        "hours_ago": 100,
        "image": {
            "caption": "New flats under construction in Eastfield.",
            "credit": "Ines Halvorsen/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The agreement settles a dispute over whether new homes on "
                "former dock land must meet flood standards stricter than the national code.",
            ),
            (
                "paragraph",
                "They must, under the compromise, but the city will pay part of "
                "the extra cost for the controlled-rent homes.",
            ),
            (
                "quote",
                {
                    "quote": "We would rather build fewer homes that stay dry than "
                    "more that flood.",
                    "speaker": "Sven Adler",
                    "outlet": "Housing minister",
                },
            ),
        ],
    },
    {
        "section": "politics",
        "slug": "youth-parliament-sits-for-first-time",
        "title": "Youth parliament sits for the first time in the old chamber",
        "standfirst": "Seventy-five members aged 14 to 18 debated school transport and "
        "voted to ask the assembly for free bus passes.",
        "authors": ["tomas-ferreira"],
        "tags": ["Assembly", "Education"],
        "hours_ago": 140,
        "image": {
            "caption": "Members of the youth parliament take their seats.",
            "credit": "Port Carrow Youth Parliament/Handout",
            "source": "Port Carrow Youth Parliament",
            "provenance": "handout",
        },
        "body": [
            (
                "paragraph",
                "The old chamber, unused since the assembly moved in 1998, was "
                "reopened for the sitting.",
            ),
            (
                "paragraph",
                "The motion on bus passes passed by 61 votes to 9. It has no "
                "legal force, but the assembly's transport committee has agreed to hear it.",
            ),
            (
                "quote",
                {
                    "quote": "We were told the chamber was too old for us. It turned "
                    "out we were exactly the right age for it.",
                    "speaker": "Lena Marsh, 16",
                    "outlet": "Youth parliament speaker",
                },
            ),
        ],
    },
    # ---------------------------------------------------------------- Climate
    {
        "section": "climate",
        "slug": "storm-surge-barrier-tested",
        "title": "Storm surge barrier closes in its first full test",
        "standfirst": "All six gates of the Carrow barrier shut in 38 minutes, inside the "
        "target the engineers set, though one gate stuck for a moment on its hinge.",
        "authors": ["ines-halvorsen"],
        "tags": ["Floods", "Port Carrow", "Infrastructure"],
        "hours_ago": 9,
        "image": {
            "caption": "Gate four of the barrier swings shut during the test.",
            "credit": "Ines Halvorsen/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The barrier, eight years in the making, is meant to protect the "
                "lower city from surges like the one that flooded the fish market in 2021.",
            ),
            (
                "paragraph",
                "Engineers said the hesitation on gate four was caused by silt "
                "in the hinge housing, and would be cleared before winter.",
            ),
            (
                "quote",
                {
                    "quote": "Thirty-eight minutes is a good number. The hinge is the "
                    "number I will think about tonight.",
                    "speaker": "Edda Varga",
                    "outlet": "chief engineer, Carrow Barrier",
                },
            ),
        ],
    },
    {
        "section": "climate",
        "slug": "reservoirs-lowest-in-decade",
        "title": "Reservoirs in the hills are at their lowest in a decade",
        "standfirst": "The water authority has asked households to cut use by a tenth and "
        "says a hosepipe ban is likely in spring if the winter is dry.",
        "authors": ["ines-halvorsen"],
        "tags": ["Water", "Drought"],
        "hours_ago": 33,
        "image": {
            "caption": "The exposed bed of the Tarn reservoir in November.",
            "credit": "Ines Halvorsen/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "Stored water stands at 41 per cent of capacity, against an "
                "average of 68 per cent for late November.",
            ),
            (
                "paragraph",
                "The authority is also bringing forward repairs to leaking "
                "mains, which lose about a fifth of treated water before it reaches a tap.",
            ),
            (
                "quote",
                {
                    "quote": "Every leak we fix is rain we do not need.",
                    "speaker": "Piet Dorn",
                    "outlet": "Hill Water Authority",
                },
            ),
        ],
    },
    {
        "section": "climate",
        "slug": "offshore-wind-cable-lands",
        "title": "Offshore wind cable comes ashore at Gull Point",
        "standfirst": "The cable will carry power from forty turbines to the grid by next "
        "autumn, enough, the operator says, for a third of the city's homes.",
        "authors": ["ines-halvorsen"],
        "tags": ["Energy", "Wind"],
        "hours_ago": 58,
        "image": {
            "caption": "The cable-laying vessel Fenna off Gull Point.",
            "credit": "Northsea Grid Ltd/Handout",
            "source": "Northsea Grid Ltd",
            **HANDOUT,
        },
        "body": [
            (
                "paragraph",
                "Divers guided the cable through a trench dug in the dunes, "
                "which will be replanted with marram grass in the spring.",
            ),
            (
                "paragraph",
                "Birdwatchers had asked for the work to avoid the nesting "
                "season; the operator agreed to finish on the beach by March.",
            ),
            (
                "quote",
                {
                    "quote": "The dunes were here first. We are guests with a cable.",
                    "speaker": "Mirela Stan",
                    "outlet": "Northsea Grid Ltd",
                },
            ),
        ],
    },
    {
        "section": "climate",
        "slug": "city-plants-street-trees",
        "title": "City will plant four thousand street trees in the hottest districts",
        "standfirst": "Heat maps drawn from satellite data picked the streets: most are in "
        "the old dock quarter, where summer pavements reach 50C.",
        "authors": ["ines-halvorsen"],
        "tags": ["Heat", "Port Carrow"],
        "hours_ago": 85,
        "image": {
            "caption": "Saplings wait for planting at the municipal nursery.",
            "credit": "Ines Halvorsen/The Carrow Ledger",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The species were chosen to cope with salty air and dry "
                "summers: limes, hornbeams and a few hundred stone pines.",
            ),
            (
                "paragraph",
                "Residents can ask for a tree outside their building through the "
                "council's website until the end of January.",
            ),
            (
                "quote",
                {
                    "quote": "Shade is public health you can stand under.",
                    "speaker": "Dr Amara Cole",
                    "outlet": "city public health office",
                },
            ),
        ],
    },
    {
        "section": "climate",
        "slug": "fishing-fleet-tries-electric-boats",
        "title": "Fishing fleet tries electric boats for inshore work",
        "standfirst": "Four crews will test battery-powered boats for a year; the harbour "
        "is installing chargers on the north quay.",
        "authors": ["ines-halvorsen"],
        "tags": ["Energy", "Fishing"],
        "hours_ago": 110,
        "image": {
            "caption": "An electric inshore boat on trial in the outer harbour.",
            "credit": "Carrow Fishermen's Cooperative/Handout",
            "source": "Carrow Fishermen's Cooperative",
            "provenance": "handout",
        },
        "body": [
            (
                "paragraph",
                "The boats have a range of about sixty kilometres, enough for "
                "most crab and lobster trips but not for the longer runs to the banks.",
            ),
            (
                "paragraph",
                "The cooperative will publish fuel and maintenance costs every "
                "quarter so other ports can judge the trial.",
            ),
            (
                "quote",
                {
                    "quote": "If it pays, everyone will have one in ten years. If it "
                    "doesn't, we will have said so in public.",
                    "speaker": "Joss Ferrand",
                    "outlet": "Carrow Fishermen's Cooperative",
                },
            ),
        ],
    },
    {
        "section": "climate",
        "slug": "wetland-restoration-brings-back-cranes",
        "title": "Cranes return to a restored wetland for the first time in forty years",
        "standfirst": "A pair was seen on the Morrow marshes, drained for farmland in the "
        "1980s and flooded again three winters ago.",
        "authors": ["ines-halvorsen"],
        "tags": ["Wildlife", "Wetlands"],
        "hours_ago": 150,
        "image": {
            "caption": "Cranes feeding on the Morrow marshes at first light.",
            "credit": "Valdrian Wildlife Trust/Handout",
            "source": "Valdrian Wildlife Trust",
            **HANDOUT,
        },
        "body": [
            (
                "paragraph",
                "Volunteers counting birds at dawn saw the pair on two "
                "consecutive mornings and recorded their calls.",
            ),
            (
                "paragraph",
                "The wetland also holds water that once ran straight into the "
                "river, easing floods downstream in heavy rain.",
            ),
            (
                "quote",
                {
                    "quote": "We built it for the water. The cranes are a reply we did "
                    "not dare expect.",
                    "speaker": "Hilde Brask",
                    "outlet": "Valdrian Wildlife Trust",
                },
            ),
        ],
    },
    # ---------------------------------------------------------------- Opinion
    {
        "section": "opinion",
        "slug": "harbour-budget-deserves-a-second-look",
        "title": "The harbour budget deserves a second look, not a victory lap",
        "standfirst": "A deeper channel may well be worth it. But a plan that forgets "
        "where the silt goes is not yet a plan.",
        "authors": ["dara-quinn"],
        "tags": ["Budget", "Port Carrow"],
        "hours_ago": 12,
        "image": {
            "caption": "Dredgers at work in the outer harbour in 2024.",
            "credit": "Dara Quinn",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "Nobody who has watched a container ship wait for the tide "
                "doubts that the harbour needs depth. The question is what else it needs.",
            ),
            (
                "paragraph",
                "Silt has to go somewhere. The last time the city dredged, it "
                "went onto the mudflats where the oyster beds used to be.",
            ),
            (
                "quote",
                {
                    "quote": "A harbour is not a hole. It is a river that we ask to behave.",
                    "speaker": "a retired pilot",
                    "outlet": "in conversation",
                },
            ),
            (
                "paragraph",
                "The assembly should ask for the disposal plan before the first "
                "contract is signed, not after.",
            ),
        ],
    },
    {
        "section": "opinion",
        "slug": "night-buses-are-a-question-of-fairness",
        "title": "Night buses are a question of fairness, not convenience",
        "standfirst": "The people who keep the city running after midnight have been "
        "walking home for too long.",
        "authors": ["dara-quinn"],
        "tags": ["Transport"],
        "hours_ago": 36,
        "image": {
            "caption": "The Quayside bus station after the last departure.",
            "credit": "Dara Quinn",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "A city that runs hospitals, bakeries and docks through the "
                "night cannot pretend its working day ends at eleven.",
            ),
            (
                "paragraph",
                "The levy on late venues is fair if it pays for routes that go "
                "where the workers live, not only where the venues are.",
            ),
            (
                "quote",
                {
                    "quote": "I finish at two. The bus finished at twenty to twelve.",
                    "speaker": "a nurse at Carrow General",
                    "outlet": "in a letter",
                },
            ),
        ],
    },
    {
        "section": "opinion",
        "slug": "why-we-should-welcome-outside-observers",
        "title": "Why every election should welcome outside observers",
        "standfirst": "Trust in a count is built before polling day, not argued over after it.",
        "authors": ["dara-quinn"],
        "tags": ["Elections"],
        "hours_ago": 62,
        "image": {
            "caption": "Counting at a polling station in Eastfield in 2022.",
            "credit": "Dara Quinn",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "Ostmark's invitation to observers is sensible, and Valdria "
                "should issue the same invitation for its own vote next year.",
            ),
            ("paragraph", "Nothing about a well-run count is harmed by being watched."),
            (
                "quote",
                {
                    "quote": "Sunlight is said to be the best of disinfectants.",
                    "speaker": "Louis Brandeis",
                    "outlet": "Other People's Money (1914)",
                },
            ),
        ],
    },
    {
        "section": "opinion",
        "slug": "give-the-youth-parliament-a-real-vote",
        "title": "Give the youth parliament one real vote a year",
        "standfirst": "Its first sitting was better tempered than most of the assembly's. "
        "Let it decide something small, and mean it.",
        "authors": ["dara-quinn"],
        "tags": ["Education", "Assembly"],
        "hours_ago": 90,
        "image": {
            "caption": "The old chamber, reopened for the youth parliament.",
            "credit": "Dara Quinn",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "Advisory bodies teach their members that advice is ignored. A "
                "single binding decision, however small, would teach the opposite.",
            ),
            (
                "paragraph",
                "Start with the budget for school sports grounds. It is modest, "
                "local and entirely about them.",
            ),
            (
                "quote",
                {
                    "quote": "We did the reading. We would like to do the deciding.",
                    "speaker": "Lena Marsh",
                    "outlet": "Youth parliament speaker",
                },
            ),
        ],
    },
    {
        "section": "opinion",
        "slug": "the-case-for-publishing-diaries-on-time",
        "title": "Ministers' diaries are only useful if they arrive on time",
        "standfirst": "Publishing a month late tells us who was in the room after the "
        "door has closed.",
        "authors": ["dara-quinn"],
        "tags": ["Transparency"],
        "hours_ago": 120,
        "image": {
            "caption": "Filing cabinets in the cabinet office archive.",
            "credit": "Dara Quinn",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "The government deserves credit for agreeing to publish. It "
                "deserves a nudge for choosing a schedule that guarantees the news is old.",
            ),
            ("paragraph", "A weekly list would cost a clerk an hour on Friday afternoons."),
            (
                "quote",
                {
                    "quote": "Transparency delayed is a history lesson, not accountability.",
                    "speaker": "Noor Adeyemi",
                    "outlet": "Open Ledger Trust",
                },
            ),
        ],
    },
    {
        "section": "opinion",
        "slug": "what-the-cranes-tell-us",
        "title": "What the cranes on the Morrow marshes tell us about patience",
        "standfirst": "Restoration is slow, unglamorous and, occasionally, spectacular.",
        "authors": ["dara-quinn"],
        "tags": ["Wildlife", "Wetlands"],
        "hours_ago": 160,
        "image": {
            "caption": "Reeds on the Morrow marshes in winter.",
            "credit": "Dara Quinn",
            "provenance": "staff",
        },
        "body": [
            (
                "paragraph",
                "For three winters the marshes looked like a flooded field. "
                "Then, one morning, two grey birds stood in it as if they had never left.",
            ),
            (
                "paragraph",
                "Public money spent on slow things rarely gets a photograph. This time it did.",
            ),
            (
                "quote",
                {
                    "quote": "We built it for the water.",
                    "speaker": "Hilde Brask",
                    "outlet": "Valdrian Wildlife Trust",
                },
            ),
        ],
    },
]


def published_at(hours_ago: float) -> datetime:
    return DEMO_NOW - timedelta(hours=hours_ago)
