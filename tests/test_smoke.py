from tests.conftest import login


def test_login_shows_meine_kommunen(client, make):
    region = make.region("ILE Musterland")
    user = make.user(region, "coordinator")
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    assert "Meine Kommunen" in page
    assert "ILE Musterland" in page
