from berdaya.programmes.urls_applications import urlpatterns as application_urls
from berdaya.programmes.urls_manage import urlpatterns as manage_urls

app_name = "programmes"
urlpatterns = [
    *manage_urls,  # programmes, quotas, candidates (views_manage.py)
    *application_urls,  # queues, application pages, bulk steps, the owners' portal (views_applications.py)
]
