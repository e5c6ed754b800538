package berth.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SpecDiffTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s.replace('\'', '"'));
  }

  @Test
  void onlyTheFieldsThatChangedAreNamedWithTheirOldAndNewValues() throws Exception {
    JsonNode before = json("{'image':'berth/ref:1','memoryBytes':268435456,'labels':{'berth.tenant':'acme','team':'a'},"
        + "'envNames':['A','B'],'user':null}");
    JsonNode after = json("{'image':'berth/ref:1','memoryBytes':536870912,'labels':{'berth.tenant':'acme','tier':'gold'},"
        + "'envNames':['A'],'network':'berth-tenants'}");
    assertEquals(json("{'envNames':{'from':['A','B'],'to':['A']},"
            + "'labels.team':{'from':'a','to':null},'labels.tier':{'from':null,'to':'gold'},"
            + "'memoryBytes':{'from':268435456,'to':536870912},'network':{'from':null,'to':'berth-tenants'}}"),
        SpecDiff.between(before, after));
  }

  @Test
  void theSameSpecHasNoChangesAndTheOrderIsStable() throws Exception {
    JsonNode spec = json("{'b':1,'a':{'y':2,'x':1}}");
    assertEquals("{}", SpecDiff.between(spec, spec).toString());
    assertEquals("{\"a.x\":{\"from\":1,\"to\":3},\"b\":{\"from\":1,\"to\":2}}",
        SpecDiff.between(spec, json("{'a':{'x':3,'y':2},'b':2}")).toString());
  }

  @Test
  void numbersAreComparedByValueWhateverTheirJsonType() throws Exception {
    JsonNode asInt = json("{'memoryBytes':268435456,'envNames':[1]}");
    JsonNode asLong = JSON.valueToTree(java.util.Map.of("memoryBytes", 268435456L, "envNames", java.util.List.of(1L)));
    assertEquals("{}", SpecDiff.between(asInt, asLong).toString());
  }
}
