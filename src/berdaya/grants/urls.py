from berdaya.grants.urls_forms import urlpatterns as form_urls
from berdaya.grants.urls_sk import urlpatterns as sk_urls

app_name = "grants"
urlpatterns = [
    *form_urls,  # disbursements and usage reports (views.py)
    *sk_urls,  # the decree list of recipients, PDF and XLSX (sk.py, views_sk.py)
]
